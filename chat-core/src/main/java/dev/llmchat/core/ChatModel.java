package dev.llmchat.core;

/**
 * The port to a chat model server. Implementations are thread-safe and shared by all users: every
 * call carries its own {@link ModelEndpoint}, so no state passes between requests.
 */
public interface ChatModel {
    /** Asks for the whole reply at once. @throws ModelException when the model fails */
    ChatCompletion complete(ChatRequest request);

    /** Starts a streamed reply and returns at once; the listener learns the outcome. */
    ChatStream stream(ChatRequest request, ChatStreamListener listener);
}
