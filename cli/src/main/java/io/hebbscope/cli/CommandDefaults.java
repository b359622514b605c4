package io.hebbscope.cli;

import java.util.Map;
import picocli.CommandLine;

/**
 * Where a command's defaults differ from the shared option groups': one table instead of a provider per command.
 * Each command that uses it names this class as its {@code defaultValueProvider}.
 */
final class CommandDefaults implements CommandLine.IDefaultValueProvider {
    private static final Map<String, Map<String, String>> DEFAULTS = Map.of(
        // a short run that finishes in about a minute; plug-ins re-assemble the full tensors and double the
        // analyzer's work, so they are opt-in where many or short runs are the point
        "demo", Map.of("--epochs", "10", "--learning-rate", "0.1", "--plugins", "none"),
        "sweep", Map.of("--plugins", "none"),
        // a replay reads what is there: no metrics endpoint unless asked
        "replay", Map.of("--metrics-port", "-1"));

    @Override
    public String defaultValue(CommandLine.Model.ArgSpec arg) {
        if (arg instanceof CommandLine.Model.OptionSpec o && arg.command() != null) {
            return DEFAULTS.getOrDefault(arg.command().name(), Map.of()).get(o.longestName());
        }
        return null;
    }
}
