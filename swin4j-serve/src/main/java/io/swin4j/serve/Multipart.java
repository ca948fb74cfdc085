package io.swin4j.serve;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A multipart/form-data body (RFC 7578) already read into memory under the body limit, split into its parts.
 * Written by hand: the JDK's server has no parser, and the maintained one (commons-fileupload2) is a milestone
 * release built around servlet request objects; a bounded in-memory body needs only the delimiter search below.
 */
final class Multipart {

    /** One part: its form field name, the file name the client gave (may be null), and its bytes. */
    record Part(String name, String filename, String contentType, byte[] data) {
        /** What to call the part in answers and errors. */
        String label(int index) {
            if (filename != null && !filename.isBlank()) return filename;
            if (name != null && !name.isBlank()) return name;
            return "part " + (index + 1);
        }
    }

    private static final Pattern BOUNDARY = Pattern.compile("(?i)boundary=(\"([^\"]+)\"|([^;\\s]+))");
    private static final Pattern NAME = Pattern.compile("(?i)(?:^|;)\\s*name=\"([^\"]*)\"");
    private static final Pattern FILENAME = Pattern.compile("(?i)(?:^|;)\\s*filename=\"([^\"]*)\"");

    private Multipart() {}

    static boolean isMultipart(String contentType) {
        return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data");
    }

    /** The boundary of a multipart Content-Type, or a 400 naming what is missing. */
    static String boundary(String contentType) {
        Matcher m = BOUNDARY.matcher(contentType);
        if (!m.find()) throw new HttpError(400, "bad_multipart", "multipart Content-Type without a boundary: " + contentType);
        String b = m.group(2) != null ? m.group(2) : m.group(3);
        if (b.isEmpty() || b.length() > 70) throw new HttpError(400, "bad_multipart", "invalid multipart boundary: " + b);
        return b;
    }

    static List<Part> parse(byte[] body, String boundary) {
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        byte[] partEnd = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        int pos = indexOf(body, delimiter, 0);
        if (pos < 0) throw new HttpError(400, "bad_multipart", "multipart body without its boundary \"" + boundary + "\"");
        List<Part> parts = new ArrayList<>();
        pos += delimiter.length;
        while (true) {
            if (startsWith(body, pos, "--")) return parts; // closing delimiter
            pos = skipLineEnd(body, pos);
            // From the delimiter line's own CRLF: a part with no header fields starts with the blank line (RFC 2046 5.1.1).
            int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), pos - 2);
            if (headersEnd < 0) throw new HttpError(400, "bad_multipart", "multipart part " + (parts.size() + 1) + " has no end of headers");
            String headers = headersEnd < pos ? "" : new String(body, pos, headersEnd - pos, StandardCharsets.UTF_8);
            int dataStart = headersEnd + 4;
            int dataEnd = indexOf(body, partEnd, dataStart);
            if (dataEnd < 0) throw new HttpError(400, "bad_multipart", "multipart part " + (parts.size() + 1) + " is not terminated (truncated body?)");
            String disposition = header(headers, "content-disposition");
            parts.add(new Part(find(NAME, disposition), find(FILENAME, disposition), header(headers, "content-type"),
                    java.util.Arrays.copyOfRange(body, dataStart, dataEnd)));
            pos = dataEnd + partEnd.length;
        }
    }

    private static String header(String headers, String name) {
        for (String line : headers.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) return line.substring(colon + 1).trim();
        }
        return null;
    }

    private static String find(Pattern p, String s) {
        if (s == null) return null;
        Matcher m = p.matcher(s);
        return m.find() ? m.group(1) : null;
    }

    private static int skipLineEnd(byte[] b, int pos) {
        while (pos < b.length && (b[pos] == ' ' || b[pos] == '\t')) pos++; // transport padding
        if (startsWith(b, pos, "\r\n")) return pos + 2;
        throw new HttpError(400, "bad_multipart", "malformed multipart delimiter line at byte " + pos);
    }

    private static boolean startsWith(byte[] b, int pos, String s) {
        if (pos + s.length() > b.length) return false;
        for (int i = 0; i < s.length(); i++) if (b[pos + i] != s.charAt(i)) return false;
        return true;
    }

    static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }
}
