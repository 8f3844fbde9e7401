namespace Attribution.IntegrationTests.Infrastructure;

/// <summary>Waits for an asynchronous outcome by polling with a deadline; never a fixed sleep.</summary>
public static class Poll
{
    /// <param name="failOnTimeout">False returns the last value at the deadline, for a caller that explains the failure itself.</param>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what, bool failOnTimeout = true)
    {
        var deadline = DateTime.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            var value = await probe();
            if (done(value)) return value;
            if (DateTime.UtcNow > deadline)
            {
                if (!failOnTimeout) return value;
                Assert.Fail($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}; last value: {value}");
            }
            await Task.Delay(delay);
            delay = TimeSpan.FromMilliseconds(Math.Min(200, delay.TotalMilliseconds * 2));
        }
    }
}
