using System.Threading.Channels;

namespace Attribution.Gateway.Ingestion.Publishing;

/// <summary>
/// Lets concurrent callers share one broker message (Kafka's <c>linger.ms</c>, the event store's
/// group commit): the first item waits up to the linger for others, and up to
/// <see cref="MaxBatch"/> items go to <c>publish</c> together. Each caller's task completes once
/// the publish that carried its item did, and fails with that publish's exception, so a failed
/// publish fails exactly the callers it carried. Publishes run while the next batch gathers.
/// A linger of zero is off: each item is published alone, at once.
/// </summary>
public sealed class PublishCoalescer<T> : IAsyncDisposable
{
    private sealed record Pending(T Item, TaskCompletionSource Published);

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<IReadOnlyList<T>, Task> _publish;
    private readonly TimeSpan _linger;
    private readonly Task _gathering;

    public PublishCoalescer(TimeSpan linger, int maxBatch, Func<IReadOnlyList<T>, Task> publish)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _linger = linger < TimeSpan.Zero ? TimeSpan.Zero : linger;
        MaxBatch = maxBatch;
        _publish = publish;
        // Not the first caller's execution context: its trace and locals must not flow into every later batch.
        using (ExecutionContext.SuppressFlow())
            _gathering = _linger > TimeSpan.Zero ? Task.Run(GatherAsync) : Task.CompletedTask;
    }

    public int MaxBatch { get; }

    /// <summary>Completes once the message carrying <paramref name="item"/> is published; throws what that publish threw.</summary>
    public Task PublishAsync(T item)
    {
        if (_linger == TimeSpan.Zero) return _publish([item]);
        var pending = new Pending(item, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        // Closed while shutting down: nothing gathers any more, so it goes alone.
        return _queue.Writer.TryWrite(pending) ? pending.Published.Task : _publish([item]);
    }

    private async Task GatherAsync()
    {
        var reader = _queue.Reader;
        var inFlight = new List<Task>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            var batch = new List<Pending>();
            using (var lingering = new CancellationTokenSource(_linger))
            {
                while (batch.Count < MaxBatch)
                {
                    if (reader.TryRead(out var next))
                    {
                        batch.Add(next);
                        continue;
                    }
                    // The linger's end is expected, not an error: no exception per batch.
                    var more = reader.WaitToReadAsync(lingering.Token).AsTask();
                    await ((Task)more).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    if (!more.IsCompletedSuccessfully || !more.Result) break;
                }
            }
            inFlight.RemoveAll(t => t.IsCompleted);
            inFlight.Add(PublishBatchAsync(batch));
        }
        await Task.WhenAll(inFlight).ConfigureAwait(false);
    }

    private async Task PublishBatchAsync(List<Pending> batch)
    {
        try
        {
            await _publish([.. batch.Select(p => p.Item)]).ConfigureAwait(false);
            foreach (var p in batch) p.Published.TrySetResult();
        }
        catch (Exception ex)
        {
            foreach (var p in batch) p.Published.TrySetException(ex);
        }
    }

    /// <summary>Publishes what is still gathering and waits for every publish in flight.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _gathering.ConfigureAwait(false);
    }
}
