package dev.tether.relay.audit;

import java.util.Set;

/** Which CDP methods run or change code in the target, and so are recorded with arguments. */
public final class CdpCommands {
  private static final Set<String> ALWAYS = Set.of(
      "Runtime.evaluate",
      "Runtime.callFunctionOn",
      "Runtime.compileScript",
      "Runtime.runScript",
      "Debugger.evaluateOnCallFrame",
      "Debugger.setVariableValue",
      "Debugger.setScriptSource",
      "Debugger.setReturnValue",
      "Debugger.restartFrame",
      "HeapProfiler.takeHeapSnapshot");

  /** Breakpoints run code only through a condition; recorded when it is not empty. */
  private static final Set<String> WITH_CONDITION = Set.of(
      "Debugger.setBreakpoint",
      "Debugger.setBreakpointByUrl",
      "Debugger.setBreakpointOnFunctionCall");

  private CdpCommands() {}

  /** True when the method's arguments must be captured to decide or to record. */
  public static boolean captures(String method) {
    return method != null && (ALWAYS.contains(method) || WITH_CONDITION.contains(method));
  }

  /** True when a captured command is recorded, given its {@code condition} param (or null). */
  public static boolean records(String method, String condition) {
    return ALWAYS.contains(method)
        || (WITH_CONDITION.contains(method) && condition != null && !condition.isBlank());
  }
}
