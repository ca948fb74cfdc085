package io.swin4j.serve;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A multipart/form-data body (RFC 7578) already read into memory under the body limit, split into its parts.
 * Written by hand: a bounded in-memory body needs only the delimiter search below (linear time: a body built to
 * make a naive search quadratic costs no more than any other), and its limits (bytes per part, number of parts)
 * are checked while parsing, before a part's bytes are copied. Every failure is an {@link HttpError} (400 for a
 * malformed body, 413 for a limit), whatever the input.
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

    /** What a body may hold: bytes per part (an image), and parts. */
    record Limits(long maxPartBytes, int maxParts) {
        static final Limits NONE = new Limits(Long.MAX_VALUE, Integer.MAX_VALUE);
    }

    static List<Part> parse(byte[] body, String boundary) {
        return parse(body, boundary, Limits.NONE);
    }

    static List<Part> parse(byte[] body, String boundary, Limits limits) {
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
            String name = find(NAME, disposition);
            String filename = find(FILENAME, disposition);
            if (parts.size() >= limits.maxParts()) {
                throw new HttpError(413, "too_many_images", "the multipart body has more than " + limits.maxParts()
                        + " parts (--max-images)");
            }
            if (dataEnd - dataStart > limits.maxPartBytes()) {
                String label = new Part(name, filename, null, null).label(parts.size());
                throw new HttpError(413, "image_too_large", "multipart part " + (parts.size() + 1) + " (" + label + ") has "
                        + (dataEnd - dataStart) + " bytes, over the image limit of " + limits.maxPartBytes()
                        + " bytes (--max-image-mb)");
            }
            parts.add(new Part(name, filename, header(headers, "content-type"),
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

    /** First index of needle in haystack at or after from, or -1: Knuth-Morris-Pratt, O(haystack + needle). */
    static int indexOf(byte[] haystack, byte[] needle, int from) {
        if (needle.length == 0) return Math.max(0, from) <= haystack.length ? Math.max(0, from) : -1;
        int[] fail = new int[needle.length];
        for (int i = 1, k = 0; i < needle.length; i++) {
            while (k > 0 && needle[i] != needle[k]) k = fail[k - 1];
            if (needle[i] == needle[k]) k++;
            fail[i] = k;
        }
        for (int i = Math.max(0, from), k = 0; i < haystack.length; i++) {
            while (k > 0 && haystack[i] != needle[k]) k = fail[k - 1];
            if (haystack[i] == needle[k]) k++;
            if (k == needle.length) return i - needle.length + 1;
        }
        return -1;
    }
}
