using UUIDNext;

namespace Attribution.Domain.Ids;

/// <summary>
/// Name-based (version 5) ids, from UUIDNext: the same name always gives the same id, so a
/// redelivery or a re-run dedupes. Every id is scoped to its company: the name is hashed under a
/// namespace derived from the company key, so two companies never derive the same id, whatever
/// names they use.
/// </summary>
public static class NameBasedIds
{
    /// <summary>The product's root namespace. Never change it: every derived id depends on it.</summary>
    private static readonly Guid Root = new("8f4c2a57-3d0e-4b8a-9c61-5e2f7a1d9b03");

    /// <summary>The id of <paramref name="name"/> within <paramref name="companyKey"/>'s namespace.</summary>
    public static Guid For(string companyKey, string name) => Uuid.NewNameBased(CompanyNamespace(companyKey), name);

    private static Guid CompanyNamespace(string companyKey) => Uuid.NewNameBased(Root, "company:" + companyKey);
}
