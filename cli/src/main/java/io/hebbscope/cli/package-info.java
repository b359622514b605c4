/**
 * The {@code hebbscope} command line: one picocli command per verb, their shared options, and what they display.
 * Features live in their modules ({@code trainer}, {@code analyzer}, {@code archive}, {@code lab}, {@code bench},
 * {@code broker}); a command parses and checks its options, wires those modules together and shows progress.
 */
package io.hebbscope.cli;
