package io.swin4j.hub;

/** The model family a registry entry's weights belong to. */
public enum Family {
    V1, V2, MLP
}
