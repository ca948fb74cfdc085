package io.swin4j.cli;

/** Short messages from exceptions for one-line CLI errors. */
final class CliErrors {

    private CliErrors() {}

    static String firstLine(Throwable e) {
        Throwable t = e;
        String m = t instanceof com.fasterxml.jackson.core.JacksonException j ? j.getOriginalMessage() : t.getMessage();
        if (m == null) return t.getClass().getSimpleName();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
