package io.hebbscope.lab.report;

import java.util.ArrayList;
import java.util.List;

/** The index page, built block by block and rendered both as Markdown and as HTML. */
public final class ReportIndex {
    private sealed interface Block permits Heading, Text, Image, TableBlock {}

    private record Heading(int level, String text) implements Block {}

    private record Text(String text) implements Block {}

    private record Image(Figure figure) implements Block {}

    private record TableBlock(Table table) implements Block {}

    private final String title;
    private final List<Block> blocks = new ArrayList<>();

    public ReportIndex(String title) {
        this.title = title;
    }

    public ReportIndex heading(int level, String text) {
        blocks.add(new Heading(level, text));
        return this;
    }

    public ReportIndex text(String text) {
        blocks.add(new Text(text));
        return this;
    }

    public ReportIndex figure(Figure figure) {
        blocks.add(new Image(figure));
        return this;
    }

    public ReportIndex table(Table table) {
        blocks.add(new TableBlock(table));
        return this;
    }

    public String markdown() {
        StringBuilder sb = new StringBuilder("# ").append(title).append("\n\n");
        for (Block b : blocks) {
            if (b instanceof Heading h) {
                sb.append("#".repeat(h.level() + 1)).append(' ').append(h.text()).append("\n\n");
            } else if (b instanceof Text t) {
                sb.append(t.text()).append("\n\n");
            } else if (b instanceof Image i) {
                sb.append("[![").append(i.figure().title()).append("](").append(i.figure().file())
                    .append(")](").append(i.figure().file()).append(")\n\n");
            } else if (b instanceof TableBlock t) {
                sb.append(mdRow(t.table().header()));
                sb.append(mdRow(t.table().header().stream().map(h -> "---").toList()));
                t.table().rows().forEach(r -> sb.append(mdRow(r)));
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    public String html() {
        StringBuilder sb = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
            .append(esc(title)).append("</title>\n<style>body{font-family:sans-serif;max-width:1150px;margin:auto}"
                + "img{max-width:100%}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px}</style>"
                + "</head><body>\n<h1>").append(esc(title)).append("</h1>\n");
        for (Block b : blocks) {
            if (b instanceof Heading h) {
                sb.append("<h").append(h.level() + 1).append('>').append(esc(h.text())).append("</h")
                    .append(h.level() + 1).append(">\n");
            } else if (b instanceof Text t) {
                sb.append("<p>").append(esc(t.text()).replaceAll("`([^`]*)`", "<code>$1</code>")).append("</p>\n");
            } else if (b instanceof Image i) {
                sb.append("<p><a href=\"").append(esc(i.figure().file())).append("\"><img src=\"")
                    .append(esc(i.figure().file())).append("\" alt=\"").append(esc(i.figure().title())).append("\"></a></p>\n");
            } else if (b instanceof TableBlock t) {
                sb.append("<table>\n<tr>");
                t.table().header().forEach(h -> sb.append("<th>").append(esc(h)).append("</th>"));
                sb.append("</tr>\n");
                for (List<String> r : t.table().rows()) {
                    sb.append("<tr>");
                    r.forEach(c -> sb.append("<td>").append(esc(c)).append("</td>"));
                    sb.append("</tr>\n");
                }
                sb.append("</table>\n");
            }
        }
        return sb.append("</body></html>\n").toString();
    }

    private static String mdRow(List<String> cells) {
        return "| " + String.join(" | ", cells.stream().map(c -> c.replace("|", "\\|")).toList()) + " |\n";
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
