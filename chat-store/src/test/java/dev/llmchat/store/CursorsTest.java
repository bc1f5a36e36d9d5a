package dev.llmchat.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmchat.store.Cursors.Position;
import org.junit.jupiter.api.Test;

final class CursorsTest {

    @Test
    void cursors_round_trip_and_are_url_safe() {
        Position p = new Position(1_772_359_200_123L, 987_654L);

        String conversationCursor = Cursors.encode(p);
        String messageCursor = Cursors.encode(Long.MAX_VALUE);

        assertThat(Cursors.position(conversationCursor)).isEqualTo(p);
        assertThat(Cursors.messageId(messageCursor)).isEqualTo(Long.MAX_VALUE);
        assertThat(conversationCursor + messageCursor).matches("[A-Za-z0-9_-]+");
    }
}
