using System.Globalization;
using System.Text;

namespace Attribution.Domain.Interactions;

/// <summary>
/// Contract §4 (shared by the attribution rules and erasure, which must keep the verdict): a shopper message is not real when it is only greetings or pleasantries ("hi",
/// "hello!!", "thanks 🙏", "ok bye"), emoji or punctuation. Anything with one word outside that
/// list is real ("hi, do these run small?").
/// </summary>
public static class ShopperMessages
{
    // Words that carry no shopping intent on their own. Lower case, ASCII apostrophes removed.
    private static readonly HashSet<string> Pleasantries = new(StringComparer.Ordinal)
    {
        "hi", "hii", "hiii", "hello", "helo", "hey", "heya", "hiya", "yo", "howdy", "greetings", "sup",
        "good", "morning", "afternoon", "evening", "night", "day", "there", "all", "everyone",
        "thanks", "thank", "thankyou", "thx", "ty", "tysm", "cheers", "much", "so", "very", "a", "lot", "you", "u",
        "ok", "okay", "okey", "k", "kk", "alright", "fine", "sure", "cool", "nice", "great", "awesome", "perfect", "super",
        "yes", "yeah", "yep", "yup", "no", "nope", "nah",
        "bye", "goodbye", "byebye", "cya", "later", "see", "ya", "take", "care",
        "lol", "haha", "hahaha", "hm", "hmm", "hmmm", "oh", "ah", "wow", "please", "pls", "welcome",
    };

    public static bool IsReal(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return false;
        var words = Words(text);
        return words.Count > 0 && words.Any(w => !Pleasantries.Contains(w));
    }

    // Letters and digits make words; everything else (punctuation, emoji, symbols) separates them.
    private static List<string> Words(string text)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        foreach (var rune in text.Normalize(NormalizationForm.FormKC).EnumerateRunes())
        {
            if (Rune.IsLetterOrDigit(rune)) current.Append(rune.ToString().ToLower(CultureInfo.InvariantCulture));
            else if (rune.Value is '\'' or '’') continue; // "that's" stays one word
            else Flush();
        }
        Flush();
        return words;

        void Flush()
        {
            if (current.Length > 0) words.Add(current.ToString());
            current.Clear();
        }
    }
}
