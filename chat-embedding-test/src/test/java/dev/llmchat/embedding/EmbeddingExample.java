package dev.llmchat.embedding;

import dev.llmchat.core.ChatEngine;
import dev.llmchat.core.ChatException;
import dev.llmchat.core.ChatInput;
import dev.llmchat.core.Conversation;
import dev.llmchat.core.Message;
import dev.llmchat.core.ModelPreset;
import dev.llmchat.core.NewUser;
import dev.llmchat.core.ReplyListener;
import dev.llmchat.core.UserId;
import dev.llmchat.llm.OpenAiChatModel;
import dev.llmchat.store.SqlStore;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The README's "Embedding the library" snippet, verbatim between the markers; EmbeddingTest runs it and checks the README. */
final class EmbeddingExample {
    private EmbeddingExample() {
    }

    static Message run(String databaseUrl, String modelUrl) {
        // README-SNIPPET-START
        try (SqlStore store = SqlStore.open(databaseUrl);              // e.g. "sqlite:///./chat.db"
             OpenAiChatModel model = OpenAiChatModel.create();          // one shared HTTP client
             ChatEngine engine = ChatEngine.builder(store, store, model)
                     .presets(List.of(new ModelPreset("local", "Local model", modelUrl, "qwen2.5", "", 32768)))
                     .build()) {
            UserId alice = store.create(new NewUser("alice", "", "", false, Instant.now())).id();
            Conversation chat = engine.startConversation(alice, null, "You are concise.");
            CompletableFuture<Message> done = new CompletableFuture<>();
            engine.stream(alice, chat.id(), ChatInput.of("你好！"), new ReplyListener() {
                @Override public void onDelta(String text) { System.out.print(text); }
                @Override public void onComplete(Message reply) { done.complete(reply); }
                @Override public void onError(ChatException error) { done.completeExceptionally(error); }
            });
            return done.join();                                          // stored, with its id and status
        }
        // README-SNIPPET-END
    }
}
