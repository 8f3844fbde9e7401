namespace Attribution.IntegrationTests.Infrastructure;

/// <summary>What a container test does without a Docker engine: fail under CI, where Docker is part of the run; be ignored elsewhere.</summary>
internal static class DockerEngine
{
    public static void Missing(string why, Exception ex)
    {
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)) Assert.Fail($"{why}: {ex.Message}");
        Assert.Ignore(why);
    }
}
