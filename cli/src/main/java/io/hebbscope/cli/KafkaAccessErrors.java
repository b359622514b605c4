package io.hebbscope.cli;

import io.hebbscope.broker.security.AccessRefusals;
import io.hebbscope.broker.security.HebbscopeAcls;
import io.hebbscope.schema.Topics;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import picocli.CommandLine;

/**
 * One line for a command that a secured cluster refused ({@link AccessRefusals} words it): who the command connects
 * as, where, and the ACLs its hebbscope roles need, read from the command's parsed options.
 */
final class KafkaAccessErrors {
    private KafkaAccessErrors() {}

    /** The refusal as one line, or null when {@code e} is no authentication or authorization failure. */
    static String describe(Throwable e, CommandLine cmd) {
        return AccessRefusals.describe(e, context(cmd));
    }

    /** The context of a command with {@link KafkaOptions}, from its parsed options; null for other commands. */
    static AccessRefusals.Context context(CommandLine cmd) {
        if (cmd == null) {
            return null;
        }
        var spec = cmd.getCommandSpec();
        String bootstrap = value(spec, "--bootstrap-servers");
        if (bootstrap == null) {
            return null;
        }
        String config = value(spec, "--client-config");
        String name = spec.name();
        Set<HebbscopeAcls.Role> roles = switch (name) {
            case "train", "import" -> EnumSet.of(HebbscopeAcls.Role.TRAINER);
            case "analyze" -> EnumSet.of(HebbscopeAcls.Role.ANALYZER);
            case "replay" -> EnumSet.of(HebbscopeAcls.Role.REPLAY);
            case "export", "report" -> EnumSet.of(HebbscopeAcls.Role.READER);
            case "sweep" -> EnumSet.of(HebbscopeAcls.Role.TRAINER, HebbscopeAcls.Role.ANALYZER);
            default -> EnumSet.noneOf(HebbscopeAcls.Role.class);
        };
        HebbscopeAcls.Scope scope;
        try {
            Topics topics = new Topics(valueOr(spec, "--topic-prefix", Topics.DEFAULT_PREFIX));
            HebbscopeAcls.Scope defaults = HebbscopeAcls.Scope.defaults(topics);
            String appId = value(spec, "--application-id");
            String output = value(spec, "--output-topic-prefix");
            if (name.equals("analyze")) {
                scope = new HebbscopeAcls.Scope(topics, output == null ? topics : new Topics(output),
                    appId == null ? defaults.analyzerApplicationId() : appId, defaults.replayApplicationIdPrefix(),
                    defaults.replayOutputPrefix());
            } else if (name.equals("replay")) {
                scope = new HebbscopeAcls.Scope(topics, topics, defaults.analyzerApplicationId(),
                    appId == null ? defaults.replayApplicationIdPrefix() : appId,
                    output == null ? defaults.replayOutputPrefix() : output + ".");
            } else {
                scope = defaults;
            }
        } catch (IllegalArgumentException e) {
            scope = null;
        }
        return AccessRefusals.Context.of(bootstrap, config == null ? null : Path.of(config), roles, scope);
    }

    private static String value(CommandLine.Model.CommandSpec spec, String option) {
        CommandLine.Model.OptionSpec o = spec.findOption(option);
        Object v = o == null ? null : o.getValue();
        return v == null ? null : v.toString();
    }

    private static String valueOr(CommandLine.Model.CommandSpec spec, String option, String def) {
        String v = value(spec, option);
        return v == null ? def : v;
    }
}
