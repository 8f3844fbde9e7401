namespace Attribution.Contracts.Attribution;

/// <summary>
/// Command: recompute every attribution of a company from the event store under its current
/// settings (contract §7, POST /v1/replay). Ingestion keeps running meanwhile.
/// </summary>
public sealed record ReplayCompany(Guid ReplayId, string CompanyKey, DateTimeOffset RequestedAt);
