package io.swin4j.hub;

import java.util.Locale;

/** Who publishes a weight file (and so, in which state-dict layout it is written). */
public enum Source {
    OFFICIAL, TIMM, HF, TORCHVISION;

    /** The lower-case name used in the registry file and in entry names ({@code timm/...}). */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Source of(String id) {
        for (Source s : values()) if (s.id().equals(id)) return s;
        throw new IllegalArgumentException("unknown source '" + id + "'; known: official, timm, hf, torchvision");
    }
}
