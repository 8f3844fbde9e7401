using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Attribution.Gateway.Ingestion.Validation;

/// <summary>
/// Reads a JSON number as a <see cref="decimal"/> only when the decimal holds exactly the value
/// written. <see cref="JsonElement.TryGetDecimal"/> rounds silently beyond 28–29 significant digits
/// (1.000000000000000000000000000001 becomes 1, 1e-30 becomes 0), which would let an amount through
/// that is not the one sent.
/// </summary>
public static class ExactDecimals
{
    public enum Reading
    {
        /// <summary>Not a JSON number, or out of the range of <see cref="decimal"/>.</summary>
        NotANumber,
        /// <summary>A number <see cref="decimal"/> can only hold rounded (the value read is the rounded one).</summary>
        Inexact,
        Exact,
    }

    public static Reading Read(JsonElement element, out decimal value)
    {
        value = 0m;
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetDecimal(out value)) return Reading.NotANumber;
        return IsExact(JsonMarshal.GetRawUtf8Value(element), value) ? Reading.Exact : Reading.Inexact;
    }

    /// <summary>
    /// Whether the JSON number text <paramref name="json"/> (UTF-8) has exactly the value
    /// <paramref name="value"/>: the same sign, significant digits and power of ten, whatever the
    /// notation (79.99, 7999e-2 and 79.990 are all 79.99).
    /// </summary>
    public static bool IsExact(ReadOnlySpan<byte> json, decimal value)
    {
        Span<byte> formatted = stackalloc byte[64]; // a decimal is at most 29 digits, a sign and a point
        if (!value.TryFormat(formatted, out var written, default, CultureInfo.InvariantCulture)) return false;
        return Canonical.Of(json).SameValueAs(Canonical.Of(formatted[..written]));
    }

    /// <summary>
    /// A number written as ±digits[.digits][e±digits], seen as its significant digits (no leading or
    /// trailing zeros) times a power of ten: the form in which equal values are written alike.
    /// </summary>
    private readonly ref struct Canonical
    {
        // Exponents beyond this are saturated: no decimal comes near them, and the sums below stay in range.
        private const long ExponentLimit = 1_000_000_000_000;

        private readonly ReadOnlySpan<byte> _integer;
        private readonly ReadOnlySpan<byte> _fraction;
        private readonly int _first;
        private readonly int _count;
        private readonly bool _negative;
        private readonly long _exponent; // of the last significant digit

        private Canonical(ReadOnlySpan<byte> integer, ReadOnlySpan<byte> fraction, bool negative, long exponent)
        {
            _integer = integer;
            _fraction = fraction;
            _negative = negative;
            var length = integer.Length + fraction.Length;
            var first = 0;
            while (first < length && DigitAt(first) == '0') first++;
            var last = length - 1;
            while (last >= first && DigitAt(last) == '0') last--;
            _first = first;
            _count = last - first + 1;
            _exponent = exponent - fraction.Length + (length - 1 - last);
        }

        private byte DigitAt(int i) => i < _integer.Length ? _integer[i] : _fraction[i - _integer.Length];

        public static Canonical Of(ReadOnlySpan<byte> number)
        {
            var i = 0;
            var negative = i < number.Length && number[i] == '-';
            if (negative) i++;
            var start = i;
            while (i < number.Length && char.IsAsciiDigit((char)number[i])) i++;
            var integer = number[start..i];
            var fraction = ReadOnlySpan<byte>.Empty;
            if (i < number.Length && number[i] == '.')
            {
                start = ++i;
                while (i < number.Length && char.IsAsciiDigit((char)number[i])) i++;
                fraction = number[start..i];
            }
            long exponent = 0;
            if (i < number.Length && number[i] is (byte)'e' or (byte)'E')
            {
                i++;
                var negativeExponent = i < number.Length && number[i] == '-';
                if (i < number.Length && number[i] is (byte)'-' or (byte)'+') i++;
                for (; i < number.Length && char.IsAsciiDigit((char)number[i]); i++)
                    exponent = Math.Min(ExponentLimit, exponent * 10 + (number[i] - '0'));
                if (negativeExponent) exponent = -exponent;
            }
            return new Canonical(integer, fraction, negative, exponent);
        }

        public bool SameValueAs(Canonical other)
        {
            if (_count == 0 || other._count == 0) return _count == other._count; // zero, whatever its sign or exponent
            if (_negative != other._negative || _count != other._count || _exponent != other._exponent) return false;
            for (var k = 0; k < _count; k++)
                if (DigitAt(_first + k) != other.DigitAt(other._first + k)) return false;
            return true;
        }
    }
}
