package dev.tether.relay.cdp;

import java.util.Set;

/**
 * The relay's one catalogue of CDP methods, for the audit and for policy alike: which methods run
 * or change code in the target, or hand over all its memory (the audit records them with their
 * arguments and the reader keeps their parameters), and which only read (a read-only session may
 * send them untouched). No method that runs code ever counts as one that only reads.
 */
public final class CdpCommands {
  /** Evaluations: they run code, and take {@code throwOnSideEffect} and {@code timeout}. */
  private static final Set<String> EVALUATIONS =
      Set.of("Runtime.evaluate", "Debugger.evaluateOnCallFrame");

  /** Methods that always run or change code (the evaluations above too). */
  private static final Set<String> RUN_CODE = Set.of(
      "Runtime.evaluate",
      "Runtime.callFunctionOn",
      "Runtime.compileScript",
      "Runtime.runScript",
      "Debugger.evaluateOnCallFrame",
      "Debugger.setVariableValue",
      "Debugger.setScriptSource",
      "Debugger.setReturnValue",
      "Debugger.restartFrame",
      // They carry a whole command for a worker or another target in their "message".
      "NodeWorker.sendMessageToWorker",
      "Target.sendMessageToTarget");

  /** Methods that change nothing but hand over all the function's memory: recorded too. */
  private static final Set<String> REVEAL_ALL = Set.of("HeapProfiler.takeHeapSnapshot");

  /** Breakpoints run code only through a condition (a DevTools logpoint is one). */
  private static final Set<String> BREAKPOINTS = Set.of(
      "Debugger.setBreakpoint",
      "Debugger.setBreakpointByUrl",
      "Debugger.setBreakpointOnFunctionCall");

  /** Whole domains that only read or observe. */
  private static final Set<String> READ_DOMAINS =
      Set.of("Profiler", "HeapProfiler", "Schema", "Console", "NodeRuntime", "NodeTracing");

  /** Methods that only read, step or observe. */
  private static final Set<String> READ_METHODS = Set.of(
      "Debugger.enable", "Debugger.disable", "Debugger.getPossibleBreakpoints",
      "Debugger.getScriptSource", "Debugger.getWasmBytecode", "Debugger.disassembleWasmModule",
      "Debugger.nextWasmDisassemblyChunk", "Debugger.getStackTrace", "Debugger.pause",
      "Debugger.removeBreakpoint", "Debugger.resume", "Debugger.searchInContent",
      "Debugger.setAsyncCallStackDepth", "Debugger.setBlackboxPatterns",
      "Debugger.setBlackboxedRanges", "Debugger.setBlackboxExecutionContexts",
      "Debugger.setBreakpointsActive", "Debugger.setInstrumentationBreakpoint",
      "Debugger.setPauseOnExceptions", "Debugger.setSkipAllPauses", "Debugger.stepInto",
      "Debugger.stepOut", "Debugger.stepOver", "Debugger.continueToLocation",
      "Runtime.enable", "Runtime.disable", "Runtime.getProperties", "Runtime.getHeapUsage",
      "Runtime.getIsolateId", "Runtime.globalLexicalScopeNames", "Runtime.queryObjects",
      "Runtime.releaseObject", "Runtime.releaseObjectGroup", "Runtime.runIfWaitingForDebugger",
      "Runtime.discardConsoleEntries", "Runtime.setAsyncCallStackDepth",
      "Runtime.setCustomObjectFormatterEnabled", "Runtime.setMaxCallStackSizeToCapture",
      "Runtime.getExceptionDetails", "Runtime.awaitPromise",
      // Worker targets: commands to them travel flattened (top-level method, checked here) and
      // never inside Target.sendMessageToTarget or NodeWorker.sendMessageToWorker, which run code.
      "NodeWorker.enable", "NodeWorker.disable", "NodeWorker.detach", "Target.setAutoAttach",
      "Target.setDiscoverTargets", "Target.getTargets", "Target.getTargetInfo",
      "Target.attachToTarget", "Target.detachFromTarget");

  private CdpCommands() {}

  /** True when the method's parameters are kept for the audit trail. */
  public static boolean captures(String method) {
    return method != null && (RUN_CODE.contains(method) || REVEAL_ALL.contains(method)
        || BREAKPOINTS.contains(method));
  }

  /**
   * True when a small command's audit details may be read after it went on, by the audit's
   * writer ({@link UnreadDetails}): it is always recorded, and neither policy nor routing looks
   * at its code arguments (a breakpoint's condition decides both; a carried message is routed).
   */
  public static boolean auditDetailsLater(String method) {
    return method != null && (RUN_CODE.contains(method) || REVEAL_ALL.contains(method))
        && !method.equals("Target.sendMessageToTarget")
        && !method.equals("NodeWorker.sendMessageToWorker");
  }

  /** True when a command is recorded: it runs code, or it is a breakpoint with a condition. */
  public static boolean records(ReadCommand command) {
    if (RUN_CODE.contains(command.method()) || REVEAL_ALL.contains(command.method())) {
      return true;
    }
    return BREAKPOINTS.contains(command.method()) && hasCondition(command);
  }

  /**
   * True when the method only reads, steps or observes (a read-only session sends it untouched).
   * Never true for a method that runs code, even in a domain that otherwise only reads.
   */
  public static boolean onlyReads(String method) {
    return method != null && !RUN_CODE.contains(method) && !BREAKPOINTS.contains(method)
        && (READ_METHODS.contains(method) || READ_DOMAINS.contains(domain(method)));
  }

  /** True for an evaluation, which takes {@code throwOnSideEffect} and {@code timeout}. */
  public static boolean isEvaluation(String method) {
    return EVALUATIONS.contains(method);
  }

  /** True for a breakpoint, which runs code only through its {@code condition}. */
  public static boolean isBreakpoint(String method) {
    return BREAKPOINTS.contains(method);
  }

  /** True when the command carries a {@code condition} that is not blank. */
  public static boolean hasCondition(ReadCommand command) {
    CodeArgument condition = command.code("condition");
    return condition != null && !condition.text().isBlank();
  }

  private static String domain(String method) {
    int dot = method.indexOf('.');
    return dot < 0 ? "" : method.substring(0, dot);
  }
}
