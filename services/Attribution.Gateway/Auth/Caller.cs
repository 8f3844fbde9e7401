using Attribution.Domain.Companies;

namespace Attribution.Gateway.Auth;

/// <summary>Who is calling, per contract §2: a storefront (public company key), the store's server (API secret) or a dashboard viewer (viewer token, reads only).</summary>
public sealed record Caller(Company Company, bool IsServer, bool IsViewer = false);
