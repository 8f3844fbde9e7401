using System.Diagnostics;

namespace Attribution.EventStore.Telemetry;

/// <summary>
/// A reading that observable gauges share: taken when metrics are collected, at most once per
/// <see cref="Reuse"/>, so the gauges of one collection and collections close together ask the
/// source once. A reading that fails gives no figures (the series pause) rather than stale ones;
/// <c>onFailure</c> learns whether the reading before failed too.
/// </summary>
public sealed class ThrottledReading<T>(TimeSpan reuse, Func<IReadOnlyList<T>> read, Func<Exception, bool> isFailure, Action<Exception, bool> onFailure)
{
    private readonly Lock _lock = new();
    private long _readAt;
    private IReadOnlyList<T> _last = [];
    private bool _failing;

    public TimeSpan Reuse { get; } = reuse;

    public IReadOnlyList<T> Get()
    {
        lock (_lock)
        {
            if (_readAt != 0 && Stopwatch.GetElapsedTime(_readAt) < Reuse) return _last;
            _readAt = Stopwatch.GetTimestamp();
            try
            {
                _last = read();
                _failing = false;
            }
            catch (Exception ex) when (isFailure(ex))
            {
                onFailure(ex, _failing);
                _failing = true;
                _last = [];
            }
            return _last;
        }
    }
}
