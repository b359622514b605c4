package io.hebbscope.analyzer.plugin;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Finds plug-ins with ServiceLoader, on the classpath and in optional plug-in jars, and selects them by id. */
public final class Plugins {
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

    private Plugins() {}

    /** Every plug-in visible to {@code loader}, by id; a plug-in that cannot be loaded or has a bad id is an error. */
    public static Map<String, AnalyzerPlugin> discover(ClassLoader loader) {
        Map<String, AnalyzerPlugin> found = new LinkedHashMap<>();
        try {
            for (AnalyzerPlugin plugin : ServiceLoader.load(AnalyzerPlugin.class, loader)) {
                String id = plugin.id();
                if (id == null || !ID.matcher(id).matches()) {
                    throw new IllegalStateException("plug-in " + plugin.getClass().getName() + " has an invalid id '" + id
                        + "' (lower-case letters, digits and '-')");
                }
                if (found.putIfAbsent(id, plugin) != null) {
                    throw new IllegalStateException("two plug-ins have the id '" + id + "': "
                        + found.get(id).getClass().getName() + " and " + plugin.getClass().getName());
                }
            }
        } catch (ServiceConfigurationError e) {
            throw new IllegalStateException("cannot load a plug-in: " + e.getMessage(), e);
        }
        return found;
    }

    /** A class loader over every jar in {@code dir} (with the analyzer's own classes as parent). */
    public static ClassLoader withJarsIn(Path dir, ClassLoader parent) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toAbsolutePath().toString(), null, "plug-in directory not found");
        }
        List<URL> jars = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".jar")).sorted().toList()) {
                try {
                    jars.add(p.toUri().toURL());
                } catch (MalformedURLException e) {
                    throw new IOException(e);
                }
            }
        }
        return new URLClassLoader(jars.toArray(URL[]::new), parent);
    }

    /**
     * The plug-ins to run: {@code ids} empty or "all" means every discovered one; "none" means none; otherwise
     * exactly those (an unknown id is an error listing the known ones).
     */
    public static List<AnalyzerPlugin> select(Map<String, AnalyzerPlugin> discovered, List<String> ids) {
        if (ids.isEmpty() || ids.equals(List.of("all"))) {
            return List.copyOf(discovered.values());
        }
        if (ids.size() == 1 && ids.get(0).equals("none")) {
            return List.of();
        }
        List<AnalyzerPlugin> out = new ArrayList<>();
        for (String id : ids) {
            AnalyzerPlugin p = discovered.get(id);
            if (p == null) {
                throw new IllegalArgumentException("unknown plug-in '" + id + "'; installed: " + discovered.keySet());
            }
            out.add(p);
        }
        return out;
    }
}
