namespace Attribution.ServiceDefaults.Database;

/// <summary>
/// A pulse or a timeout, whichever comes first, for a loop woken by LISTEN/NOTIFY: a pulse that
/// arrives between "found nothing" and "start waiting" is never lost.
/// </summary>
public sealed class WakeSignal(TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private TaskCompletionSource _current = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Pulse() => Volatile.Read(ref _current).TrySetResult();

    /// <summary>Waits for a pulse since the last wait, or the timeout; throws only when <paramref name="ct"/> is cancelled.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        var tcs = Volatile.Read(ref _current);
        try { await tcs.Task.WaitAsync(timeout, _clock, ct); }
        catch (TimeoutException) { }
        Interlocked.CompareExchange(ref _current, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), tcs);
    }
}
