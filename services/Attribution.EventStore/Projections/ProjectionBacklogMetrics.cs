using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using System.Diagnostics;
using Attribution.EventStore.Databases;
using Attribution.EventStore.Telemetry;
using Npgsql;

namespace Attribution.EventStore.Projections;

/// <summary>
/// How far each asynchronous projection is behind the store, as gauges an operator charts: the
/// events appended after its position, and the age of the oldest of them (0 when caught up). Read
/// from the database when metrics are collected (a Prometheus scrape, an OTLP export), one query
/// for both gauges and every projection, never more often than once a second. Every engine
/// instance reports the same figures (they are the store's), whichever instance runs the daemon.
/// Each company database has its own backlog, tagged with its id.
/// </summary>
public sealed class ProjectionBacklogMetrics(
    CompanyDatabases databases, IReadOnlyList<string> projectionNames, ILogger<ProjectionBacklogMetrics> logger) : IHostedService, IDisposable
{
    /// <summary>Both gauges of one collection share a reading; a second collector within this time does too.</summary>
    internal static readonly TimeSpan Reuse = TimeSpan.FromSeconds(1);

    // The position is the later of the projection's own checkpoint and its subscription's progression
    // in Marten: Marten moves its progression over ranges that hold none of the subscription's event
    // types without handing them over. Both lookups go by index (seq_id is the key of mt_events).
    private static readonly string Query = $"""
        SELECT p.name,
               greatest(h.head - p.position, 0),
               greatest(coalesce(extract(epoch FROM clock_timestamp() - o.timestamp)::float8, 0), 0)
        FROM (
            SELECT n.name, greatest(coalesce(c.last_seq_id, 0), coalesce(m.last_seq_id, 0)) AS position
            FROM unnest($1::text[], $2::text[]) AS n(name, progression)
            LEFT JOIN event_store.projection_checkpoints c ON c.name = n.name
            LEFT JOIN {MartenEventStore.Progression} m ON m.name = n.progression
        ) p
        CROSS JOIN (SELECT coalesce(max(seq_id), 0) AS head FROM {MartenEventStore.Events}) h
        LEFT JOIN LATERAL (
            SELECT e.timestamp FROM {MartenEventStore.Events} e WHERE e.seq_id > p.position ORDER BY e.seq_id LIMIT 1
        ) o ON true
        """;

    private readonly ThrottledReading<Backlog> _reading = new(Reuse, () => ReadBacklog(databases, projectionNames, logger),
        ex => ex is NpgsqlException or TimeoutException or InvalidOperationException,
        (ex, _) => logger.LogWarning(ex, "Could not read the projections' backlog for metrics"));
    private Meter? _meter;

    private sealed record Backlog(string Database, string Projection, long Events, double AgeSeconds);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // A meter of this instance's own, so a stopped engine (or one of several in a test process) stops being asked.
        _meter = new Meter("Attribution.EventStore");
        _meter.CreateObservableGauge("event_store.projection.pending_events",
            () => Read().Select(b => new Measurement<long>(b.Events, Tag(b))),
            "{event}", "Events appended after the projection's position (projection lag in events)");
        _meter.CreateObservableGauge("event_store.projection.oldest_pending_age",
            () => Read().Select(b => new Measurement<double>(b.AgeSeconds, Tag(b))),
            "s", "Age of the oldest event the projection has not applied yet, 0 when caught up (projection lag in time)");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _meter?.Dispose();
        _meter = null;
    }

    private static TagList Tag(Backlog b) => new() { { "projection", b.Projection }, { "database", b.Database } };

    private IReadOnlyList<Backlog> Read() => _reading.Get();

    private static List<Backlog> ReadBacklog(CompanyDatabases databases, IReadOnlyList<string> projectionNames, ILogger logger)
    {
        // Collection callbacks are synchronous; the timeout keeps a stuck database from holding a scrape.
        var rows = new List<Backlog>(projectionNames.Count);
        foreach (var database in databases.AllAsync().GetAwaiter().GetResult())
        {
            // A database that cannot answer reports nothing this time; the others still do.
            try
            {
                using var cmd = database.DataSource.CreateCommand(Query);
                cmd.CommandTimeout = 5;
                cmd.Parameters.AddWithValue(projectionNames.ToArray());
                cmd.Parameters.AddWithValue(projectionNames.Select(ProjectionRunner.ProgressionName).ToArray());
                using var reader = cmd.ExecuteReader();
                while (reader.Read()) rows.Add(new Backlog(database.Id, reader.GetString(0), reader.GetInt64(1), reader.GetDouble(2)));
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(ex, "Could not read the projections' backlog in database {Database} for metrics", database.Id);
            }
        }
        return rows;
    }
}
