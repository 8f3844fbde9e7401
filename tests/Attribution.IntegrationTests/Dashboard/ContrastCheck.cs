namespace Attribution.IntegrationTests.Dashboard;

/// <summary>
/// The text contrast check the dashboard's browser tests run in the page: WCAG 2's contrast ratio between
/// a text's computed colour and the first opaque background behind it, against the AA minimum of 4.5:1.
/// </summary>
internal static class ContrastCheck
{
    /// <summary>
    /// Defines <c>contrastRatio(color, background)</c> over computed CSS colours (<c>rgb(…)</c>), and
    /// <c>cssColor(any)</c>, which turns any CSS colour (<c>#777</c>) into its computed form.
    /// </summary>
    public const string RatioFunctions = """
        const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
        const rgba = (c) => (c.match(/[\d.]+/g) || []).map(Number);
        const luminance = (c) => { const [r, g, b] = rgba(c); return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b); };
        const contrastRatio = (color, background) => {
          const [a, b] = [luminance(color), luminance(background)];
          return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        };
        const cssColor = (c) => {
          const probe = document.createElement('i');
          probe.style.color = c;
          document.body.append(probe);
          const computed = getComputedStyle(probe).color;
          probe.remove();
          return computed;
        };
        """;

    /// <summary>
    /// Returns the visible texts below 4.5:1 against the first opaque background behind them (SVG and
    /// disabled controls aside), each as <c>4.48:1 p.hint "its text"</c>.
    /// </summary>
    public const string LowContrastScript = RatioFunctions + """
        const background = (el) => {
          for (let e = el; e; e = e.parentElement) {
            const c = getComputedStyle(e).backgroundColor, v = rgba(c);
            if (v.length === 3 || (v.length === 4 && v[3] >= 1)) return c;
          }
          return 'rgb(255, 255, 255)';
        };
        const low = [];
        for (const el of document.querySelectorAll('body *')) {
          if (el instanceof SVGElement || el.closest('svg') || el.matches(':disabled')) continue;
          if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
          const s = getComputedStyle(el);
          if (!el.getClientRects().length || s.visibility === 'hidden' || Number(s.opacity) === 0) continue;
          const ratio = contrastRatio(s.color, background(el));
          if (ratio < 4.5) low.push(`${ratio.toFixed(2)}:1 ${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 40)}"`);
        }
        return low;
        """;
}
