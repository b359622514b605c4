package io.hebbscope.broker.security;

import io.hebbscope.broker.BrokerSecurity;
import io.hebbscope.schema.Topics;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The security file of {@code hebbscope broker --security FILE}: Java properties naming the admin password, the users
 * with their passwords and hebbscope roles, and optionally the names the roles' ACLs are about.
 *
 * <pre>
 * admin.password=...                              # the broker's super user "admin"
 * user.alice.password=...
 * user.alice.roles=trainer                        # trainer, analyzer, replay, reader (comma-separated) or none
 * topic.prefix=hebbscope                          # optional: --topic-prefix of the commands
 * analyzer.application.id=hebbscope-analyzer      # optional: analyze --application-id
 * replay.application.id.prefix=hebbscope-replay-  # optional: what replays' --application-id start with
 * replay.output.topic.prefix=hebbscope.replay-    # optional: what replays' --output-topic-prefix start with
 * </pre>
 */
public final class SecurityFile {
    private static final Pattern USER_KEY = Pattern.compile("user\\.(.+)\\.(password|roles)");
    private static final Set<String> SCOPE_KEYS = Set.of("admin.password", "topic.prefix", "analyzer.application.id",
        "replay.application.id.prefix", "replay.output.topic.prefix");

    /** A user as the file gives it. */
    public record User(String name, String password, Set<HebbscopeAcls.Role> roles) {}

    private final Path path;
    private final String adminPassword;
    private final HebbscopeAcls.Scope scope;
    private final List<User> users;

    private SecurityFile(Path path, String adminPassword, HebbscopeAcls.Scope scope, List<User> users) {
        this.path = path;
        this.adminPassword = adminPassword;
        this.scope = scope;
        this.users = List.copyOf(users);
    }

    /** A security file that cannot be used: its path and what is wrong. */
    public static final class InvalidException extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidException(Path path, String problem) {
            super("security file " + path + ": " + problem);
        }
    }

    public static SecurityFile read(Path path) throws InvalidException {
        if (!Files.isRegularFile(path)) {
            throw new InvalidException(path, "not found");
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidException(path, "cannot read it: " + e.getMessage());
        }
        Map<String, String[]> userEntries = new LinkedHashMap<>();
        for (String key : new TreeSet<>(p.stringPropertyNames())) {
            Matcher m = USER_KEY.matcher(key);
            if (m.matches()) {
                String[] entry = userEntries.computeIfAbsent(m.group(1), k -> new String[2]);
                entry["password".equals(m.group(2)) ? 0 : 1] = p.getProperty(key).trim();
            } else if (!SCOPE_KEYS.contains(key)) {
                throw new InvalidException(path, "unknown key '" + key + "' (keys: " + String.join(", ", new TreeSet<>(SCOPE_KEYS))
                    + ", user.NAME.password, user.NAME.roles)");
            }
        }
        String adminPassword = p.getProperty("admin.password");
        if (adminPassword == null || adminPassword.isBlank()) {
            throw new InvalidException(path, "admin.password is missing: the password of the broker's super user 'admin'");
        }
        String adminProblem = BrokerSecurity.passwordProblem(adminPassword.trim());
        if (adminProblem != null) {
            throw new InvalidException(path, "admin.password: " + adminProblem);
        }
        Topics topics;
        try {
            topics = new Topics(p.getProperty("topic.prefix", Topics.DEFAULT_PREFIX).trim());
        } catch (IllegalArgumentException e) {
            throw new InvalidException(path, "topic.prefix: " + e.getMessage());
        }
        HebbscopeAcls.Scope scope = new HebbscopeAcls.Scope(topics, topics,
            name(path, p, "analyzer.application.id", HebbscopeAcls.Scope.DEFAULT_ANALYZER_APPLICATION_ID),
            name(path, p, "replay.application.id.prefix", HebbscopeAcls.Scope.DEFAULT_REPLAY_APPLICATION_ID_PREFIX),
            name(path, p, "replay.output.topic.prefix", HebbscopeAcls.Scope.defaultReplayOutputPrefix(topics)));
        List<User> users = new ArrayList<>();
        for (var e : userEntries.entrySet()) {
            String name = e.getKey();
            String problem = BrokerSecurity.userNameProblem(name);
            if (problem == null && BrokerSecurity.ADMIN.equals(name)) {
                problem = "'admin' is the broker's super user: set admin.password instead";
            }
            if (problem != null) {
                throw new InvalidException(path, problem);
            }
            String password = e.getValue()[0];
            if (password == null || password.isEmpty()) {
                throw new InvalidException(path, "user." + name + ".password is missing");
            }
            problem = BrokerSecurity.passwordProblem(password);
            if (problem != null) {
                throw new InvalidException(path, "user." + name + ".password: " + problem);
            }
            String roles = e.getValue()[1];
            if (roles == null || roles.isEmpty()) {
                throw new InvalidException(path, "user." + name + ".roles is missing: trainer, analyzer, replay, reader"
                    + " (comma-separated) or none");
            }
            Set<HebbscopeAcls.Role> set = EnumSet.noneOf(HebbscopeAcls.Role.class);
            if (!roles.equals("none")) {
                for (String r : roles.split(",")) {
                    try {
                        set.add(HebbscopeAcls.Role.of(r.trim()));
                    } catch (IllegalArgumentException ex) {
                        throw new InvalidException(path, "user." + name + ".roles: " + ex.getMessage());
                    }
                }
            }
            users.add(new User(name, password, set));
        }
        return new SecurityFile(path, adminPassword.trim(), scope, users);
    }

    private static String name(Path path, Properties p, String key, String def) throws InvalidException {
        String v = p.getProperty(key, def).trim();
        if (!v.matches("[A-Za-z0-9._-]+")) {
            throw new InvalidException(path, key + " '" + v + "' must be letters, digits, '.', '_' or '-'");
        }
        return v;
    }

    /** The broker configuration: every user with its password, every role's ACLs. */
    public BrokerSecurity brokerSecurity() {
        BrokerSecurity.Builder b = BrokerSecurity.builder(adminPassword);
        for (User u : users) {
            b.user(u.name(), u.password());
            b.acls(HebbscopeAcls.of(u.name(), u.roles(), scope));
        }
        return b.build();
    }

    public List<User> users() {
        return users;
    }

    public HebbscopeAcls.Scope scope() {
        return scope;
    }

    /** A warning when the file (it holds passwords) is readable by others than its owner; null when it is not. */
    public String permissionWarning() {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path);
            if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
                return "warning: " + path + " holds passwords and is readable by other users (chmod 600 " + path + ")";
            }
        } catch (UnsupportedOperationException | IOException e) {
            // no POSIX permissions to check
        }
        return null;
    }

    /** "alice (trainer), bob (analyzer, replay)". */
    public String describeUsers() {
        if (users.isEmpty()) {
            return "no users besides admin";
        }
        List<String> parts = new ArrayList<>();
        for (User u : users) {
            parts.add(u.name() + " (" + (u.roles().isEmpty() ? "no role"
                : String.join(", ", Arrays.stream(u.roles().toArray(HebbscopeAcls.Role[]::new)).map(HebbscopeAcls.Role::id).toList())) + ")");
        }
        return String.join(", ", parts);
    }
}
