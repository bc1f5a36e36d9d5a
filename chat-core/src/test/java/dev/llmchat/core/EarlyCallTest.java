package dev.llmchat.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The model called while the question commits: nothing is heard before the hand-over, everything after it, in order. */
class EarlyCallTest {
    private static final ChatRequest REQUEST = new ChatRequest(new ModelEndpoint("http://127.0.0.1:1/v1", "m", "", 8192, true),
            List.of(new ChatMessage(Role.USER, "hi")), 0.7, 100);

    /** The model's side of one call: what it was given, and whether it was cancelled. */
    private static final class Upstream implements ChatModel {
        final AtomicReference<ChatStreamListener> listener = new AtomicReference<>();
        final AtomicBoolean cancelled = new AtomicBoolean();

        @Override
        public ChatCompletion complete(ChatRequest request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ChatStream stream(ChatRequest request, ChatStreamListener l) {
            listener.set(l);
            return () -> cancelled.set(true);
        }
    }

    /** What a listener heard; {@link #events()} waits (a little) for the end of the reply. */
    private static final class Heard implements ChatStreamListener {
        final List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
        final java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);

        @Override
        public void onDelta(String text) {
            events.add("delta " + text);
        }

        @Override
        public void onComplete(ChatCompletion completion) {
            events.add("complete " + completion.text());
            ended.countDown();
        }

        @Override
        public void onError(ModelException error, String partialText) {
            events.add("error " + partialText);
            ended.countDown();
        }

        List<String> events() throws InterruptedException {
            ended.await(5, java.util.concurrent.TimeUnit.SECONDS);
            return List.copyOf(events);
        }
    }

    @Test
    void what_the_model_sends_before_the_hand_over_is_held_then_replayed_in_order() throws Exception {
        Upstream model = new Upstream();
        EarlyCall call = EarlyCall.start(model, REQUEST);
        model.listener.get().onDelta("你");
        model.listener.get().onDelta("好");
        Heard turn = new Heard();

        assertThat(turn.events).isEmpty();
        ChatStream handle = call.handTo(turn);
        // the model goes on while the held events are replayed (on a thread of their own): nothing overtakes them
        model.listener.get().onDelta("😀");
        model.listener.get().onComplete(new ChatCompletion("你好😀", FinishReason.STOP, Usage.UNKNOWN));

        assertThat(turn.events()).containsExactly("delta 你", "delta 好", "delta 😀", "complete 你好😀");
        handle.cancel();
        assertThat(model.cancelled).isTrue();
    }

    @Test
    void a_call_whose_question_was_not_stored_is_cancelled_and_heard_by_nobody() {
        Upstream model = new Upstream();
        EarlyCall call = EarlyCall.start(model, REQUEST);
        model.listener.get().onDelta("early");

        call.abandon();
        model.listener.get().onDelta("late");
        model.listener.get().onError(new ModelException(ModelFailure.CANCELLED, "stopped"), "early late");

        assertThat(model.cancelled).isTrue();
        Heard turn = new Heard();
        call.handTo(turn);
        assertThat(turn.events).isEmpty();
    }

    @Test
    void a_model_that_refuses_at_once_fails_the_hand_over_not_the_start() {
        ModelException refused = new ModelException(ModelFailure.PROTOCOL, "no");
        ChatModel model = new ChatModel() {
            @Override
            public ChatCompletion complete(ChatRequest request) {
                throw refused;
            }

            @Override
            public ChatStream stream(ChatRequest request, ChatStreamListener listener) {
                throw refused;
            }
        };

        EarlyCall call = EarlyCall.start(model, REQUEST);

        assertThatThrownBy(() -> call.handTo(new Heard())).isSameAs(refused);
        call.abandon(); // nothing to cancel
    }
}
