package dev.llmchat.store;

import dev.llmchat.core.Page;
import dev.llmchat.core.PageRequest;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.jdbi.v3.core.statement.Query;

/** Keyset pages: one row more than asked for tells whether another page follows; {@link PageRequest#all()} has no LIMIT at all. */
final class Paging {
    private Paging() {
    }

    static String limit(PageRequest page) {
        return page.unbounded() ? "" : " LIMIT :limit";
    }

    static void bindLimit(Query q, PageRequest page) {
        if (!page.unbounded()) q.bind("limit", (long) page.limit() + 1);
    }

    static <R, T> Page<T> page(List<R> rows, PageRequest page, Function<R, T> item, Function<R, String> cursorOf) {
        boolean more = !page.unbounded() && rows.size() > page.limit();
        List<R> shown = more ? rows.subList(0, page.limit()) : rows;
        return new Page<>(shown.stream().map(item).toList(),
                more ? Optional.of(cursorOf.apply(shown.get(shown.size() - 1))) : Optional.empty());
    }
}
