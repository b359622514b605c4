package io.hebbscope.cli;

import io.hebbscope.cli.logging.LogFile;
import io.hebbscope.trainer.JavaCppSettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The hebbscope command line. */
@Command(name = "hebbscope", mixinStandardHelpOptions = true, version = "hebbscope 0.1.0",
    description = "Watch the Hebbian dynamics of neural-network training live: a trainer publishes every layer's "
        + "gradient, learning signal, Hebbian term and update to Kafka; an analyzer measures their alignment.",
    subcommands = {DemoCommand.class, BrokerCommand.class, TrainCommand.class, AnalyzeCommand.class, BenchCommand.class,
        SweepCommand.class, ReplayCommand.class, ExportCommand.class, ReportCommand.class,
        ImportCommand.class,
        CommandLine.HelpCommand.class})
public final class Hebbscope implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: choose one of "
            + String.join(", ", spec.subcommands().keySet()));
    }

    /** A command line that reports failures as one clear line (the stack trace only with -Dhebbscope.debug). */
    public static CommandLine commandLine() {
        return commandLine(false);
    }

    /** @param process whether the command is this JVM's whole life: deadlines then count the JVM's start-up too */
    static CommandLine commandLine(boolean process) {
        CommandLine cl = new CommandLine(new Hebbscope());
        cl.setExecutionStrategy(parsed -> {
            if (!process) {
                CommandClock.executionStarts();
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        // A bad option: the reason and a one-line usage (a command's whole help, 100-200 lines, buried the reason);
        // the top level still lists its commands.
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine cmd = ex.getCommandLine();
            java.io.PrintWriter err = cmd.getErr();
            err.println(cmd.getColorScheme().errorText(ex.getMessage())); // as picocli prints it: runtime errors say "error:"
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
            if (!cmd.getSubcommands().isEmpty()) {
                cmd.usage(err, cmd.getColorScheme());
            } else {
                String name = cmd.getCommandSpec().qualifiedName();
                err.printf("Usage: %s [OPTIONS]; '%s --help' lists them%n", name, name);
            }
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            String refused = KafkaAccessErrors.describe(e, cmd);
            cmd.getErr().println(cmd.getColorScheme().errorText("error: " + (refused != null ? refused : describe(e))));
            if (Boolean.getBoolean("hebbscope.debug")) {
                e.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        return cl;
    }

    static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(e.getMessage() == null ? e.toString() : e.getMessage());
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            if (c.getMessage() != null && !sb.toString().contains(c.getMessage())) {
                sb.append(": ").append(c.getMessage());
            }
        }
        return sb.toString();
    }

    public static void main(String[] args) {
        // logback.xml names the log file after the command; the property must exist before the first logger does.
        if (args.length > 0 && args[0].matches("[a-z]+")) {
            System.setProperty(LogFile.COMMAND_PROPERTY, args[0]);
        }
        JavaCppSettings.apply();
        CommandClock.processStarts();
        System.exit(commandLine(true).execute(args));
    }
}
