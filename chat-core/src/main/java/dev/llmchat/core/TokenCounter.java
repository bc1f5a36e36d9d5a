package dev.llmchat.core;

/** Estimates how many tokens a text costs a model. Estimates may be off by a little, never by a lot. */
public interface TokenCounter {
    int count(String text);
}
