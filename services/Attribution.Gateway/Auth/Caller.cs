using Attribution.Domain.Companies;

namespace Attribution.Gateway.Auth;

/// <summary>Who is calling, per contract §2: a storefront (public company key) or the store's server (API secret).</summary>
public sealed record Caller(Company Company, bool IsServer);
