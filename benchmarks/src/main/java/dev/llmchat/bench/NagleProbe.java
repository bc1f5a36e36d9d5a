package dev.llmchat.bench;

import dev.llmchat.core.ChatCompletion;
import dev.llmchat.core.ChatMessage;
import dev.llmchat.core.ChatRequest;
import dev.llmchat.core.ChatStreamListener;
import dev.llmchat.core.ModelEndpoint;
import dev.llmchat.core.ModelException;
import dev.llmchat.core.Role;
import dev.llmchat.llm.OpenAiChatModel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;
import okhttp3.OkHttpClient;

/**
 * Diagnoses the largest part of the added time to first token: OpenAiChatModel's time to the first chunk from
 * the fake upstream for prompts of growing size, with OkHttp's sockets as they are (Nagle's algorithm on) and
 * with TCP_NODELAY set through a socket factory. A request body larger than Okio's segments goes out in
 * several writes; with Nagle on, the last one waits for the ACK of the previous, which the receiver delays.
 * Usage: {@code NagleProbe} (prints p50 and max of 50 calls per size).
 */
public final class NagleProbe {
    private NagleProbe() {
    }

    public static void main(String[] args) throws Exception {
        try (FakeUpstream fake = new FakeUpstream("127.0.0.1", 0)) {
            for (boolean noDelay : new boolean[] {false, true}) {
                OpenAiChatModel.Builder b = OpenAiChatModel.builder();
                if (noDelay) b.okHttpClient(new OkHttpClient.Builder().socketFactory(new NoDelay()).build());
                try (OpenAiChatModel model = b.build()) {
                    for (int history : new int[] {0, 20, 100, 200}) {
                        List<ChatMessage> prompt = new ArrayList<>();
                        for (int i = 0; i < history; i++) {
                            prompt.add(new ChatMessage(i % 2 == 0 ? Role.USER : Role.ASSISTANT, new Script(24, 0, 0, i).text()));
                        }
                        prompt.add(new ChatMessage(Role.USER, new Script(8, 0, 0, 1).message()));
                        ChatRequest request = new ChatRequest(new ModelEndpoint(fake.baseUrl(), "fake", "bench", 32768, true), prompt, 0.7, 100);
                        long[] first = new long[60];
                        for (int r = 0; r < first.length; r++) first[r] = firstChunkNanos(model, request);
                        long[] measured = Arrays.copyOfRange(first, 10, first.length);
                        Arrays.sort(measured);
                        System.out.printf("TCP_NODELAY %-5s  %3d history messages (%6d bytes of JSON): first chunk p50 %7.2f ms, max %7.2f ms%n", noDelay, history,
                                Client.bytes(Client.JSON.valueToTree(prompt)).length, measured[measured.length / 2] / 1e6, measured[measured.length - 1] / 1e6);
                    }
                }
            }
        }
    }

    private static long firstChunkNanos(OpenAiChatModel model, ChatRequest request) throws Exception {
        CompletableFuture<Long> first = new CompletableFuture<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        long start = System.nanoTime();
        model.stream(request, new ChatStreamListener() {
            @Override
            public void onDelta(String text) {
                first.complete(System.nanoTime());
            }

            @Override
            public void onComplete(ChatCompletion completion) {
                done.complete(null);
            }

            @Override
            public void onError(ModelException error, String partialText) {
                first.completeExceptionally(error);
                done.completeExceptionally(error);
            }
        });
        done.get(30, TimeUnit.SECONDS);
        return first.get() - start;
    }

    /** The default socket factory with TCP_NODELAY on every socket. */
    private static final class NoDelay extends SocketFactory {
        private final SocketFactory plain = SocketFactory.getDefault();

        private static Socket on(Socket s) throws IOException {
            s.setTcpNoDelay(true);
            return s;
        }

        @Override
        public Socket createSocket() throws IOException {
            return on(plain.createSocket());
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return on(plain.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress local, int localPort) throws IOException {
            return on(plain.createSocket(host, port, local, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return on(plain.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort) throws IOException {
            return on(plain.createSocket(host, port, local, localPort));
        }
    }
}
