using System.Text.RegularExpressions;
using Attribution.EventStore.Databases;
using Attribution.ServiceDefaults.Database;

namespace Attribution.Engine.Databases;

/// <summary>
/// The operator's commands for the pool of company databases (<see cref="CompanyDatabases"/>): list it,
/// add a database, mark one full. A new company goes to the database with the fewest companies that
/// is not full, so adding a database and marking the others full is how an operator places the next
/// companies. Connection strings are never printed: they hold passwords.
/// </summary>
public static partial class DatabasePoolCommands
{
    public const string Usage = """
        dotnet Attribution.Engine.dll databases                                list the pool: id, full or open, companies
        dotnet Attribution.Engine.dll databases add <id> "<connection string>"  migrate a database and add it to the pool
        dotnet Attribution.Engine.dll databases full <id>                       place no new company in it
        """;

    /// <summary>Runs one command; answers the process's exit code (0, or 64 for a bad command line as sysexits' EX_USAGE).</summary>
    public static async Task<int> RunAsync(IServiceProvider services, IReadOnlyList<string> args, TextWriter output, CancellationToken ct)
    {
        var databases = services.GetRequiredService<CompanyDatabases>();
        switch (args)
        {
            case []:
                foreach (var database in await databases.ListAsync(ct))
                    await output.WriteLineAsync($"{database.Id}\t{(database.IsFull ? "full" : "open")}\t{database.Companies} companies");
                return 0;
            case ["add", var id, var connectionString] when DatabaseId().IsMatch(id):
                await DatabaseExtensions.AddCompanyDatabaseAsync(databases, id, connectionString, ct);
                await output.WriteLineAsync($"Database {id} is migrated and in the pool: new companies may be placed in it.");
                return 0;
            case ["full", var id] when (await databases.ListAsync(ct)).Any(d => d.Id == id):
                await databases.MarkFullAsync(id, ct);
                await output.WriteLineAsync($"Database {id} takes no new company; the {id} companies stay where they are.");
                return 0;
            default:
                await output.WriteLineAsync("A database id is 1-63 lower-case letters, digits, '-' or '_', and 'full' needs one in the pool. Usage:\n" + Usage);
                return 64;
        }
    }

    [GeneratedRegex("^[a-z0-9_-]{1,63}$")]
    private static partial Regex DatabaseId();
}
