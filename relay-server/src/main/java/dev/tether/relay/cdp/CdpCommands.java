package dev.tether.relay.cdp;

import java.util.Set;

/**
 * Which CDP methods run or change code in the target: the audit records them with their arguments
 * and the reader keeps their parameters.
 */
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
      "HeapProfiler.takeHeapSnapshot",
      // They carry a whole command for a worker or another target in their "message".
      "NodeWorker.sendMessageToWorker",
      "Target.sendMessageToTarget");

  /** Breakpoints run code only through a condition; recorded when it is not empty. */
  private static final Set<String> WITH_CONDITION = Set.of(
      "Debugger.setBreakpoint",
      "Debugger.setBreakpointByUrl",
      "Debugger.setBreakpointOnFunctionCall");

  private CdpCommands() {}

  /** True when the method's parameters are kept for the audit trail. */
  public static boolean captures(String method) {
    return method != null && (ALWAYS.contains(method) || WITH_CONDITION.contains(method));
  }

  /** True when a command is recorded: it runs code, or it is a breakpoint with a condition. */
  public static boolean records(ReadCommand command) {
    if (ALWAYS.contains(command.method())) {
      return true;
    }
    CodeArgument condition = command.code("condition");
    return WITH_CONDITION.contains(command.method()) && condition != null
        && !condition.text().isBlank();
  }
}
