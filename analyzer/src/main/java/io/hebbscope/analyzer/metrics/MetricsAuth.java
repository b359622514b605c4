package io.hebbscope.analyzer.metrics;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.BasicAuthenticator;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * HTTP basic authentication for the metrics endpoint: the users allowed to scrape and their passwords. Passwords are
 * compared in constant time (as SHA-256 digests, so their lengths do not show either). Basic authentication sends the
 * password with every request, merely encoded: over plain HTTP it keeps out whoever does not know it, not whoever
 * can read the traffic.
 */
public final class MetricsAuth {
    /** The realm browsers and scrapers are told. */
    public static final String REALM = "hebbscope";

    private final Map<String, byte[]> digests;

    private MetricsAuth(Map<String, byte[]> digests) {
        this.digests = Map.copyOf(digests);
    }

    /** @param users user name to password; at least one */
    public static MetricsAuth of(Map<String, String> users) {
        if (users.isEmpty()) {
            throw new IllegalArgumentException("no users: at least one user may scrape");
        }
        Map<String, byte[]> d = new LinkedHashMap<>();
        users.forEach((user, password) -> {
            if (user == null || user.isEmpty() || user.contains(":")) {
                throw new IllegalArgumentException("user name '" + user + "' must be non-empty and without ':'");
            }
            if (password == null || password.isEmpty()) {
                throw new IllegalArgumentException("user '" + user + "' has an empty password");
            }
            d.put(user, sha256(password));
        });
        return new MetricsAuth(d);
    }

    public Set<String> users() {
        return digests.keySet();
    }

    /** Whether {@code user} may scrape with {@code password}. */
    public boolean accepts(String user, String password) {
        byte[] expected = digests.get(user);
        // an unknown user costs the same comparison
        boolean match = MessageDigest.isEqual(expected == null ? new byte[32] : expected, sha256(password == null ? "" : password));
        return expected != null && match;
    }

    /** The authenticator for client_java's {@code HTTPServer.builder().authenticator(...)}. */
    public Authenticator authenticator() {
        return new BasicAuthenticator(REALM, StandardCharsets.UTF_8) {
            @Override
            public boolean checkCredentials(String user, String password) {
                return accepts(user, password);
            }
        };
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "MetricsAuth[basic, users " + users() + "]";
    }
}
