using System.Text;
using System.Text.RegularExpressions;

namespace Attribution.UnitTests.Docs;

/// <summary>
/// The documentation stays usable: the repository's copy of the public contract is the contract
/// itself, and every relative link in README.md and under docs/ leads somewhere. The files are read
/// from the repository at test time (the folder holding Attribution.sln, found from the test
/// assembly's folder), so nothing is copied into the build output.
/// </summary>
public sealed partial class DocumentationTests
{
    private static readonly Lazy<string> RepositoryRoot = new(FindRepositoryRoot);
    private static readonly string[] LinksOutsideCode = ["docs/a.md#part", "img/b.png", "docs/c.md"];

    private static string Root => RepositoryRoot.Value;

    [Test]
    public void The_contract_copy_in_docs_is_byte_identical_to_the_shared_contract()
    {
        var shared = Path.GetFullPath(Path.Combine(Root, "..", "shared", "contract.md"));
        if (!File.Exists(shared))
            Assert.Ignore($"No {shared}: the shared contract sits beside the repository in CI and on a developer's machine; without it there is nothing to compare docs/contract.md with.");

        var copy = Path.Combine(Root, "docs", "contract.md");
        Assert.That(File.Exists(copy), Is.True, "docs/contract.md is missing: cp ../shared/contract.md docs/contract.md");
        Assert.That(File.ReadAllBytes(copy), Is.EqualTo(File.ReadAllBytes(shared)),
            "docs/contract.md differs from ../shared/contract.md: copy it again (cp ../shared/contract.md docs/contract.md)");
    }

    [Test]
    public void Every_relative_link_in_the_readme_and_docs_resolves()
    {
        var files = MarkdownFiles();
        Assert.That(files, Has.Some.EndsWith("README.md"), "README.md not found at " + Root);

        var broken = new List<string>();
        var links = 0;
        foreach (var file in files)
        {
            foreach (var target in LinksIn(File.ReadAllText(file)))
            {
                if (IsExternal(target)) continue;
                links++;
                if (Problem(file, target) is { } problem)
                    broken.Add($"{Path.GetRelativePath(Root, file)}: ({target}) {problem}");
            }
        }

        Assert.That(links, Is.GreaterThan(0), "no relative links found: is the link pattern broken?");
        Assert.That(broken, Is.Empty, "broken links:\n" + string.Join('\n', broken));
    }

    [TestCase("Upgrading: the schema fence", "upgrading-the-schema-fence")]
    [TestCase("What the gateway serves", "what-the-gateway-serves")]
    [TestCase("Orders: one count, verified beats browser", "orders-one-count-verified-beats-browser")]
    [TestCase("The `StoredJson` reader_2", "the-storedjson-reader_2")]
    [TestCase("Two  spaces - and a dash", "two--spaces---and-a-dash")]
    [TestCase("Why C# and [.NET](https://dot.net)", "why-c-and-net")]
    public void Headings_become_anchors_as_GitHub_makes_them(string heading, string anchor) =>
        Assert.That(Slug(heading), Is.EqualTo(anchor));

    [Test]
    public void Links_are_found_outside_code_only()
    {
        const string text = """
            See [the docs](docs/a.md#part) and ![a picture](img/b.png "title").
            Not `[this](inline/code.md)`, nor a code span `over
            two [lines](x.md)` either.
            [ref]: docs/c.md

            ```
            [fenced](fenced.md)
            ```
            """;
        Assert.That(LinksIn(text), Is.EqualTo(LinksOutsideCode));
    }

    /// <summary>Why a relative link does not resolve, or null when it does.</summary>
    private static string? Problem(string file, string target)
    {
        var hash = target.IndexOf('#', StringComparison.Ordinal);
        var path = Uri.UnescapeDataString(hash < 0 ? target : target[..hash]);
        var anchor = hash < 0 ? null : target[(hash + 1)..];

        var resolved = path.Length == 0
            ? file
            : Path.GetFullPath(path.StartsWith('/') ? Path.Combine(Root, path.TrimStart('/')) : Path.Combine(Path.GetDirectoryName(file)!, path));
        if (!File.Exists(resolved) && !Directory.Exists(resolved)) return "no such file: " + Path.GetRelativePath(Root, resolved);

        if (string.IsNullOrEmpty(anchor) || !resolved.EndsWith(".md", StringComparison.OrdinalIgnoreCase)) return null;
        return AnchorsIn(File.ReadAllText(resolved)).Contains(anchor) ? null : $"no heading #{anchor} in {Path.GetRelativePath(Root, resolved)}";
    }

    private static bool IsExternal(string target) =>
        target.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
        || target.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
        || target.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase);

    /// <summary>The targets of inline links, images and reference definitions, outside fenced blocks and code spans.</summary>
    private static List<string> LinksIn(string markdown)
    {
        var prose = CodeSpan().Replace(WithoutFences(markdown), "");
        return [.. InlineLink().Matches(prose).Concat(ReferenceDefinition().Matches(prose))
            .OrderBy(m => m.Index)
            .Select(m => m.Groups["target"].Value)];
    }

    /// <summary>The anchors GitHub gives the file's headings (a repeated heading gets -1, -2, …).</summary>
    private static HashSet<string> AnchorsIn(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in WithoutFences(markdown).Split('\n'))
        {
            var heading = Heading().Match(line.TrimEnd('\r'));
            if (!heading.Success) continue;
            var slug = Slug(heading.Groups["text"].Value);
            var count = seen.GetValueOrDefault(slug);
            seen[slug] = count + 1;
            anchors.Add(count == 0 ? slug : $"{slug}-{count}");
        }
        return anchors;
    }

    /// <summary>GitHub's heading anchor: link text kept, lower case, punctuation dropped, spaces to hyphens.</summary>
    private static string Slug(string heading)
    {
        var text = InlineLink().Replace(heading, m => m.Groups["text"].Value);
        var slug = new StringBuilder(text.Length);
        foreach (var c in text.Trim())
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_') slug.Append(char.ToLowerInvariant(c));
            else if (c == ' ') slug.Append('-');
        }
        return slug.ToString();
    }

    private static string WithoutFences(string markdown)
    {
        var kept = new StringBuilder(markdown.Length);
        var inFence = false;
        foreach (var line in markdown.Split('\n'))
        {
            var trimmed = line.TrimStart();
            if (trimmed.StartsWith("```", StringComparison.Ordinal) || trimmed.StartsWith("~~~", StringComparison.Ordinal))
            {
                inFence = !inFence;
                kept.Append('\n');
                continue;
            }
            kept.Append(inFence ? "" : line).Append('\n');
        }
        return kept.ToString();
    }

    private static List<string> MarkdownFiles()
    {
        var files = new List<string> { Path.Combine(Root, "README.md") };
        var docs = Path.Combine(Root, "docs");
        if (Directory.Exists(docs))
            files.AddRange(Directory.EnumerateFiles(docs, "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
        return [.. files.Where(File.Exists)];
    }

    /// <summary>The folder holding Attribution.sln, walking up from the test assembly's folder.</summary>
    private static string FindRepositoryRoot()
    {
        var start = Path.GetDirectoryName(typeof(DocumentationTests).Assembly.Location) ?? AppContext.BaseDirectory;
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Attribution.sln"))) return dir.FullName;
        throw new InvalidOperationException("No folder holding Attribution.sln above " + start);
    }

    [GeneratedRegex(@"!?\[(?<text>(?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<?(?<target>[^)\s>]+)>?(?:\s+(?:""[^""]*""|'[^']*'|\([^)]*\)))?\s*\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"^ {0,3}\[[^\]]+\]:\s*<?(?<target>[^\s>]+)>?", RegexOptions.Multiline)]
    private static partial Regex ReferenceDefinition();

    [GeneratedRegex(@"(`+)[\s\S]*?\1")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"^ {0,3}#{1,6}\s+(?<text>.*?)(?:\s+#+)?\s*$")]
    private static partial Regex Heading();
}
