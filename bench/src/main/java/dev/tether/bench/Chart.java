package dev.tether.bench;

import java.util.Locale;
import java.util.Map;

/**
 * An SVG of round-trip distributions: for each benchmark a panel of cumulative curves, direct
 * against relayed, on a logarithmic millisecond axis; the median is where a curve crosses 50 %.
 */
final class Chart {
  private static final int PANEL_W = 440;
  private static final int PANEL_H = 300;
  private static final int LEFT = 60;
  private static final int TOP = 50;
  private static final String DIRECT = "#6b7280";
  private static final String RELAYED = "#ea580c";

  private Chart() {}

  static String svg(Map<String, Samples[]> distributions, String subtitle) {
    int panels = Math.max(1, distributions.size());
    int width = LEFT + panels * (PANEL_W + 70);
    int height = TOP + PANEL_H + 80;
    StringBuilder svg = new StringBuilder();
    svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\""
        + " height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n",
        width, height, width, height));
    svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    text(svg, LEFT, 22, "Runtime.evaluate round trips: share of calls answered within x ms", 15,
        "bold");
    text(svg, LEFT, 40, subtitle, 11, "normal");
    int x0 = LEFT;
    for (Map.Entry<String, Samples[]> entry : distributions.entrySet()) {
      panel(svg, x0, entry.getKey(), entry.getValue());
      x0 += PANEL_W + 70;
    }
    int ly = TOP + PANEL_H + 60;
    legend(svg, LEFT, ly, DIRECT, "direct to the inspector");
    legend(svg, LEFT + 220, ly, RELAYED, "through relay and shim");
    svg.append("</svg>\n");
    return svg.toString();
  }

  private static void panel(StringBuilder svg, int x0, String title, Samples[] sides) {
    double min = Double.MAX_VALUE;
    double max = 0;
    for (Samples side : sides) {
      long[] s = side.sorted();
      if (s.length > 0) {
        min = Math.min(min, s[0] / 1e6);
        max = Math.max(max, s[s.length - 1] / 1e6);
      }
    }
    double lo = Math.pow(10, Math.floor(Math.log10(Math.max(min, 1e-3))));
    double hi = Math.pow(10, Math.ceil(Math.log10(Math.max(max, lo * 10))));
    int y0 = TOP + PANEL_H;
    svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\""
        + " fill=\"none\" stroke=\"#d1d5db\"/>%n", x0, TOP, PANEL_W, PANEL_H));
    text(svg, x0 + 8, TOP + 18, title, 13, "bold");
    for (double tick = lo; tick <= hi * 1.001; tick *= 10) {
      double x = x0 + PANEL_W * Math.log10(tick / lo) / Math.log10(hi / lo);
      svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\""
          + " stroke=\"#e5e7eb\"/>%n", x, TOP, x, y0));
      text(svg, (int) x - 12, y0 + 16, fmt(tick) + " ms", 11, "normal");
    }
    for (int p = 0; p <= 100; p += 25) {
      int y = y0 - PANEL_H * p / 100;
      svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\""
          + " stroke=\"#e5e7eb\"/>%n", x0, y, x0 + PANEL_W, y));
      text(svg, x0 - 36, y + 4, p + " %", 11, "normal");
    }
    String[] colors = {DIRECT, RELAYED};
    for (int i = 0; i < sides.length && i < 2; i++) {
      long[] s = sides[i].sorted();
      StringBuilder points = new StringBuilder();
      for (int k = 0; k < s.length; k++) {
        double ms = Math.max(s[k] / 1e6, lo);
        double x = x0 + PANEL_W * Math.log10(ms / lo) / Math.log10(hi / lo);
        double y = y0 - PANEL_H * (k + 1.0) / s.length;
        points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
      }
      svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\""
          + " stroke-width=\"2\" points=\"%s\"/>%n", colors[i], points.toString().trim()));
      double p50 = sides[i].p50() / 1e6;
      text(svg, x0 + 8, TOP + 36 + 16 * i, (i == 0 ? "direct" : "relayed") + " p50 " + fmt(p50)
          + " ms, p99 " + fmt(sides[i].p99() / 1e6) + " ms", 11, "normal", colors[i]);
    }
  }

  private static void legend(StringBuilder svg, int x, int y, String color, String label) {
    svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\""
        + " stroke=\"%s\" stroke-width=\"3\"/>%n", x, y - 4, x + 24, y - 4, color));
    text(svg, x + 30, y, label, 12, "normal");
  }

  private static void text(StringBuilder svg, int x, int y, String text, int size, String weight) {
    text(svg, x, y, text, size, weight, "#111827");
  }

  private static void text(StringBuilder svg, int x, int y, String text, int size, String weight,
      String color) {
    svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"%d\""
        + " font-weight=\"%s\" fill=\"%s\">%s</text>%n", x, y, size, weight, color,
        text.replace("&", "&amp;").replace("<", "&lt;")));
  }

  private static String fmt(double ms) {
    if (ms >= 10) {
      return String.format(Locale.ROOT, "%.0f", ms);
    }
    if (ms >= 1) {
      return String.format(Locale.ROOT, "%.1f", ms);
    }
    String text = String.format(Locale.ROOT, ms >= 0.1 ? "%.2f" : "%.3f", ms);
    return text.replaceAll("0+$", "").replaceAll("\\.$", "");
  }
}
