using Attribution.Gateway.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Attribution.UnitTests.Http;

public sealed class DatabaseUnavailableHandlerTests
{
    private static readonly DatabaseUnavailableHandler Handler = new(NullLogger<DatabaseUnavailableHandler>.Instance);

    private static DefaultHttpContext Context()
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        return new DefaultHttpContext { RequestServices = services, Response = { Body = new MemoryStream() } };
    }

    [TestCase(PostgresErrorCodes.DeadlockDetected)]
    [TestCase(PostgresErrorCodes.SerializationFailure)]
    [TestCase(PostgresErrorCodes.TooManyConnections)]
    [TestCase(PostgresErrorCodes.AdminShutdown)]
    public async Task A_database_that_cannot_answer_now_is_a_503_with_retry_after(string sqlState)
    {
        var http = Context();
        var handled = await Handler.TryHandleAsync(http, new PostgresException("no", "ERROR", "ERROR", sqlState), CancellationToken.None);

        Assert.That(handled, Is.True);
        Assert.That(http.Response.StatusCode, Is.EqualTo(StatusCodes.Status503ServiceUnavailable));
        Assert.That(http.Response.Headers.RetryAfter.ToString(), Is.EqualTo(DatabaseUnavailableHandler.RetryAfterSeconds));
        Assert.That(http.Response.ContentType, Does.StartWith("application/problem+json"));
    }

    [Test]
    public async Task A_bug_stays_a_500_for_the_default_handler()
    {
        var http = Context();
        Assert.That(await Handler.TryHandleAsync(http, new PostgresException("no", "ERROR", "ERROR", PostgresErrorCodes.UniqueViolation), CancellationToken.None), Is.False);
        Assert.That(await Handler.TryHandleAsync(http, new InvalidOperationException("bug"), CancellationToken.None), Is.False);
    }
}
