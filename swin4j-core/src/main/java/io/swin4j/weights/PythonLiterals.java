package io.swin4j.weights;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the top-level assignments of an mmcv/mmengine config dump ({@code Config.pretty_text}, stored as
 * {@code meta['config']} / {@code meta['cfg']} in mmseg checkpoints) as data: {@code name = value} at column 0, where a
 * value is a literal (string, number, True/False/None), a list, tuple or {@code {...}} dict, or {@code dict(k=v, ...)}.
 * Nothing is evaluated: any other call {@code f(...)} becomes a map of its keyword arguments, a bare name becomes its
 * text, and an assignment this subset cannot read is skipped (its name is listed in {@link Result#skipped()}).
 * Python tuples and lists are Java lists, dicts are maps (insertion order).
 */
final class PythonLiterals {

    /** The assignments read, by name, and the names whose value could not be read. */
    record Result(Map<String, Object> values, List<String> skipped) {}

    /** Bounds on what one config text may make the parser do (it comes from the checkpoint's author). */
    static final int MAX_TEXT = 1 << 20, MAX_DEPTH = 64;
    /** Characters read in all, failed attempts included. */
    static final long MAX_SCANNED = 8L * MAX_TEXT;

    private static final Pattern ASSIGNMENT = Pattern.compile("(?m)^([A-Za-z_][A-Za-z0-9_]*)\\s*=(?!=)");

    private final String s;
    private int pos;
    private int depth;

    private PythonLiterals(String s, int pos) {
        this.s = s;
        this.pos = pos;
    }

    static Result parse(String text) {
        Map<String, Object> values = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>();
        if (text.length() > MAX_TEXT) {
            skipped.add("(config text of " + text.length() + " characters, over " + MAX_TEXT + ": not read)");
            return new Result(values, skipped);
        }
        Matcher m = ASSIGNMENT.matcher(text);
        int from = 0;
        long scanned = 0;
        while (m.find(from)) {
            PythonLiterals p = new PythonLiterals(text, m.end());
            try {
                values.put(m.group(1), p.value());
                from = Math.max(m.end(), p.pos);
            } catch (IllegalArgumentException | StackOverflowError e) {
                skipped.add(m.group(1));
                from = m.end();
            }
            // a failed value is read again from the next assignment on: bound the total (an unterminated string
            // before many assignments would otherwise be scanned once per assignment)
            scanned += Math.max(0, p.pos - m.end());
            if (scanned > MAX_SCANNED) {
                skipped.add("(config text too costly to read: stopped after " + scanned + " characters)");
                break;
            }
            if (from >= text.length()) break;
        }
        return new Result(values, skipped);
    }

    /** One value starting at {@code text}'s first non-blank character (for tests and single expressions). */
    static Object value(String text) {
        PythonLiterals p = new PythonLiterals(text, 0);
        Object v = p.value();
        p.skipBlank();
        if (p.pos != text.length()) throw p.error("trailing text");
        return v;
    }

    private Object value() {
        if (++depth > MAX_DEPTH) throw error("nested deeper than " + MAX_DEPTH);
        try {
            skipBlank();
            if (pos >= s.length()) throw error("value expected");
            char c = s.charAt(pos);
            Object v;
            if (c == '\'' || c == '"') v = string();
            else if (c == '(') v = sequence('(', ')');
            else if (c == '[') v = sequence('[', ']');
            else if (c == '{') v = braces();
            else if (c == '-' || c == '+' || c == '.' || Character.isDigit(c)) v = number();
            else if (Character.isLetter(c) || c == '_') v = name();
            else throw error("unexpected '" + c + "'");
            return v;
        } finally {
            depth--;
        }
    }

    private Object name() {
        int start = pos;
        while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_' || s.charAt(pos) == '.')) pos++;
        String n = s.substring(start, pos);
        // string prefixes: r'..', b'..', u'..', f'..'
        if (pos < s.length() && (s.charAt(pos) == '\'' || s.charAt(pos) == '"') && n.length() <= 2
                && n.chars().allMatch(ch -> "rRbBuUfF".indexOf(ch) >= 0)) {
            return string();
        }
        skipBlank();
        if (pos < s.length() && s.charAt(pos) == '(') return call(n);
        return switch (n) {
            case "True" -> Boolean.TRUE;
            case "False" -> Boolean.FALSE;
            case "None" -> null;
            default -> n;
        };
    }

    /** {@code f(k=v, ...)}: its keyword arguments (positional ones under "0", "1", ...). */
    private Map<String, Object> call(String n) {
        expect('(');
        Map<String, Object> m = new LinkedHashMap<>();
        int positional = 0;
        while (true) {
            skipBlank();
            if (peek(')')) break;
            int save = pos;
            String key = null;
            if (pos < s.length() && (Character.isLetter(s.charAt(pos)) || s.charAt(pos) == '_')) {
                int start = pos;
                while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_')) pos++;
                String id = s.substring(start, pos);
                skipBlank();
                if (pos < s.length() && s.charAt(pos) == '=' && (pos + 1 >= s.length() || s.charAt(pos + 1) != '=')) {
                    pos++;
                    key = id;
                } else {
                    pos = save;
                }
            }
            Object v = value();
            m.put(key != null ? key : Integer.toString(positional++), v);
            skipBlank();
            if (!peek(',')) break;
            pos++;
        }
        expect(')');
        if (!n.equals("dict")) m.put("__call__", n);
        return m;
    }

    private List<Object> sequence(char open, char close) {
        expect(open);
        List<Object> out = new ArrayList<>();
        while (true) {
            skipBlank();
            if (peek(close)) break;
            out.add(value());
            skipBlank();
            if (!peek(',')) break;
            pos++;
        }
        expect(close);
        return out;
    }

    private Map<String, Object> braces() {
        expect('{');
        Map<String, Object> m = new LinkedHashMap<>();
        while (true) {
            skipBlank();
            if (peek('}')) break;
            Object k = value();
            skipBlank();
            expect(':');
            m.put(String.valueOf(k), value());
            skipBlank();
            if (!peek(',')) break;
            pos++;
        }
        expect('}');
        return m;
    }

    private String string() {
        char q = s.charAt(pos);
        boolean triple = s.startsWith("" + q + q + q, pos);
        pos += triple ? 3 : 1;
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= s.length()) throw error("unterminated string");
            char c = s.charAt(pos);
            if (c == '\\' && pos + 1 < s.length()) {
                char e = s.charAt(pos + 1);
                sb.append(switch (e) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case 'r' -> '\r';
                    case '0' -> '\0';
                    default -> e;
                });
                pos += 2;
            } else if (triple ? s.startsWith("" + q + q + q, pos) : c == q) {
                pos += triple ? 3 : 1;
                return sb.toString();
            } else if (!triple && c == '\n') {
                throw error("unterminated string");
            } else {
                sb.append(c);
                pos++;
            }
        }
    }

    private static final Pattern NUMBER = Pattern.compile("[-+]?(\\d[\\d_]*\\.?\\d*([eE][-+]?\\d+)?|\\.\\d+([eE][-+]?\\d+)?)");

    private Object number() {
        Matcher m = NUMBER.matcher(s).region(pos, s.length());
        if (!m.lookingAt()) throw error("number expected");
        String t = m.group().replace("_", "");
        pos = m.end();
        try {
            if (t.matches("[-+]?\\d+")) {
                long v = Long.parseLong(t.startsWith("+") ? t.substring(1) : t);
                return v == (int) v ? (Object) (int) v : (Object) v;
            }
            return Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw error("number out of range: " + t);
        }
    }

    private void skipBlank() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c == '#') {
                while (pos < s.length() && s.charAt(pos) != '\n') pos++;
            } else if (c == '\\' && pos + 1 < s.length() && s.charAt(pos + 1) == '\n') {
                pos += 2;
            } else if (Character.isWhitespace(c)) {
                pos++;
            } else {
                return;
            }
        }
    }

    private boolean peek(char c) {
        return pos < s.length() && s.charAt(pos) == c;
    }

    private void expect(char c) {
        skipBlank();
        if (!peek(c)) throw error("'" + c + "' expected");
        pos++;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(what + " at offset " + pos); // no line count: errors may be many
    }
}
