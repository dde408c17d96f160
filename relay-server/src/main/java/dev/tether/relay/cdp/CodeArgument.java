package dev.tether.relay.cdp;

/**
 * One parameter of a CDP command that carries code to run in the function ({@code expression},
 * {@code functionDeclaration}, {@code condition}, …), as the audit trail records it: the start of
 * the text, and its full length and SHA-256, so code of any size is identified even when cut.
 *
 * @param name the parameter's name
 * @param text the value up to the audit's bound (the JSON text of the value when not a string)
 * @param length the value's length in characters
 * @param sha256 the SHA-256 of the value's UTF-8 bytes, lower-case hex
 * @param cut true when {@code text} is shorter than the value
 */
public record CodeArgument(String name, String text, long length, String sha256, boolean cut) {}
