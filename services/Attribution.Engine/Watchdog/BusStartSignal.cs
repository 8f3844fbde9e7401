using MassTransit;

namespace Attribution.Engine.Watchdog;

/// <summary>
/// Tells the watchdog when this engine's bus has come up (its receive endpoints ready) for the first
/// time: before that its consumers cannot be on the broker yet, and after it, a bus that drops and never
/// comes back must be judged, however early in the engine's life that happens.
/// </summary>
public sealed class BusStartSignal : IBusObserver
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool HasStarted => _ready.Task.IsCompleted;

    public Task PostStart(IBus bus, Task<BusReady> busReady)
    {
        busReady.ContinueWith(t => { if (t.IsCompletedSuccessfully) _ready.TrySetResult(); }, TaskScheduler.Default);
        return Task.CompletedTask;
    }

    public void PostCreate(IBus bus) { }
    public void CreateFaulted(Exception exception) { }
    public Task PreStart(IBus bus) => Task.CompletedTask;
    public Task StartFaulted(IBus bus, Exception exception) => Task.CompletedTask;
    public Task PreStop(IBus bus) => Task.CompletedTask;
    public Task PostStop(IBus bus) => Task.CompletedTask;
    public Task StopFaulted(IBus bus, Exception exception) => Task.CompletedTask;
}
