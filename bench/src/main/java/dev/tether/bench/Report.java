package dev.tether.bench;

import java.util.List;
import java.util.Locale;

/** Prints results as they come, and the whole table as Markdown for BENCHMARKS.md. */
final class Report {
  private Report() {}

  static void printRow(Result r) {
    System.out.printf(Locale.ROOT, "%-4s %-46s direct %s | tether %s | %s | %-30s %s%n    %s%n",
        r.id(), r.what(), pair(r, r.directP50(), r.directP99()),
        pair(r, r.relayedP50(), r.relayedP99()), ratio(r), r.goal(), verdict(r), r.note());
    System.out.flush();
  }

  static String markdown(List<Result> results) {
    StringBuilder out = new StringBuilder();
    out.append("| | benchmark | unit | direct p50 | direct p99 | Tether p50 | Tether p99 |"
        + " Tether/direct | goal | result | note |\n");
    out.append("|---|---|---|--:|--:|--:|--:|--:|---|---|---|\n");
    for (Result r : results) {
      out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
          r.id(), r.what(), r.unit(), num(r.directP50()), num(r.directP99()),
          num(r.relayedP50()), num(r.relayedP99()), ratio(r), r.goal().replace("|", "\\|"),
          verdict(r), r.note().replace("|", "\\|")));
    }
    return out.toString();
  }

  static String verdict(Result r) {
    return r.met() == null ? "—" : r.met() ? "met" : "**missed**";
  }

  private static String pair(Result r, Double p50, Double p99) {
    if (p50 == null) {
      return String.format("%-22s", "—");
    }
    return String.format(Locale.ROOT, "%-22s", num(p50) + (p99 == null ? "" : " / " + num(p99))
        + " " + r.unit());
  }

  private static String ratio(Result r) {
    Double ratio = r.ratio();
    return ratio == null ? "—" : String.format(Locale.ROOT, "%.2f×", ratio);
  }

  static String num(Double value) {
    if (value == null || value.isNaN()) {
      return "—";
    }
    double v = value;
    if (Math.abs(v) >= 1000) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    if (Math.abs(v) >= 10) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    return String.format(Locale.ROOT, "%.3f", v);
  }
}
