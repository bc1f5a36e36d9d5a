package dev.llmchat.core;

/** One finished exchange as stored: the user's message and the model's reply. */
public record Turn(Message question, Message answer) {
}
