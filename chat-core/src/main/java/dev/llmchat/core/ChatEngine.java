package dev.llmchat.core;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The chat use cases: conversations, turns (streamed or not), titles, retention and each user's model
 * settings. Thread-safe; build one with {@link #builder} and share it. Every method that takes a
 * {@link UserId} acts only on that user's data: someone else's conversation is "not found".
 */
public final class ChatEngine implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ChatEngine.class.getName());
    /** Text of recent messages kept so that a turn reads only what is new (at most about 32 MiB). */
    private static final long RECENT_HISTORY_CHARS = 16_000_000;

    private final ConversationStore conversations;
    private final SettingsStore settings;
    private final ChatModel model;
    private final ModelCatalog catalog;
    private final ContextWindow contextWindow;
    private final RecentHistory recentHistory;
    private final Titler titler;
    private final ExecutorService background;
    private final Clock clock;
    private final int retention;
    private final int maxMessageChars;
    private final double defaultTemperature;
    private final String defaultTitle;
    private final Duration turnLease;
    private final Duration flushInterval;
    private final Retry retry;
    private final ConcurrentHashMap<ConversationId, LiveTurn> live = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ConversationId> held = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "chat-engine-timer");
        t.setDaemon(true);
        return t;
    });
    private final ExecutorService writer = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("chat-writer-", 0).factory());
    private final LiveTurn.Host host = new LiveTurn.Host() {
        @Override
        public ConversationStore store() {
            return conversations;
        }

        @Override
        public ChatModel model() {
            return model;
        }

        @Override
        public java.util.concurrent.Executor writer() {
            return writer;
        }

        @Override
        public ScheduledExecutorService scheduler() {
            return scheduler;
        }

        @Override
        public Instant now() {
            return ChatEngine.this.now();
        }

        @Override
        public void ended(LiveTurn turn, Message reply, ChatException error, Usage usage) {
            Prepared p = turn.turn;
            live.remove(p.conversation().id(), turn);
            held.remove(p.turnId());
            if (reply == null) {
                try {
                    conversations.endTurn(p.conversation().id(), p.turnId());
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "freeing " + p.conversation().id() + " failed; it frees itself when its lease ends", e);
                }
            }
            recentHistory.appended(p.conversation(), p.question(), reply);
            if (error == null) {
                logTurn(p, true, "complete", 200, usage, reply.content().length());
                afterTurn(p, reply.content());
            } else {
                ModelException m = error instanceof ModelException me ? me : null;
                logTurn(p, true, m != null ? outcome(m) : error.code(), m != null ? m.upstreamStatus() : 0, usage,
                        reply == null ? 0 : reply.content().length());
            }
        }
    };

    private ChatEngine(Builder b) {
        this.conversations = b.conversations;
        this.settings = b.cipher == null ? b.settings : new SealedSettings(b.settings, b.cipher);
        this.model = b.model;
        this.catalog = new ModelCatalog(b.presets, b.defaultMaxTokens, b.customContextWindow);
        this.contextWindow = new ContextWindow(b.tokenCounter != null ? b.tokenCounter : new JtokkitTokenCounter());
        this.recentHistory = new RecentHistory(b.conversations, contextWindow, ContextWindow.PAGE, RECENT_HISTORY_CHARS);
        this.titler = new Titler(b.model, b.conversations, b.defaultTitle);
        this.background = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("chat-title-", 0).factory());
        this.clock = b.clock;
        this.retention = b.retention;
        this.maxMessageChars = b.maxMessageChars;
        this.defaultTemperature = b.defaultTemperature;
        this.defaultTitle = b.defaultTitle;
        this.turnLease = b.turnLease;
        this.flushInterval = b.flushInterval;
        this.retry = b.retry;
        long renew = Math.max(1, turnLease.toMillis() / 3);
        scheduler.scheduleWithFixedDelay(this::renewLeases, renew, renew, TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(this::sweepOrphans, 0, 60, TimeUnit.SECONDS);
    }

    /** Keeps this engine's turns held while they run; a dead server's turns lapse within one lease. */
    private void renewLeases() {
        Instant now = now();
        held.forEach((turnId, id) -> {
            try {
                // renew only: a turn that ended between reading the map and this call must not be taken again
                conversations.renewTurn(id, turnId, now.plus(turnLease));
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "renewing the turn of " + id + " failed", e);
            }
        });
    }

    /** Replies left {@code streaming} by a server that died become {@code interrupted}. */
    private void sweepOrphans() {
        try {
            int n = conversations.interruptOrphans(now());
            if (n > 0) LOG.log(Level.INFO, "marked {0} reply(ies) of a stopped server as interrupted", n);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "sweeping interrupted replies failed", e);
        }
    }

    /** Starts a builder; presets are required, everything else has the seed's defaults. */
    public static Builder builder(ConversationStore conversations, SettingsStore settings, ChatModel model) {
        return new Builder(conversations, settings, model);
    }

    /** Creates a conversation ({@code null} title or prompt: the defaults) and applies the owner's retention limit. */
    public Conversation startConversation(UserId owner, String title, String systemPrompt) {
        String t = title == null || title.isBlank() ? defaultTitle : title.strip();
        String p = systemPrompt == null ? "" : systemPrompt.strip();
        if (t.length() > 200) throw new InvalidInputException("invalid_title", "title must be at most 200 characters");
        Text.check("title", t);
        Text.check("system_prompt", p);
        if (p.length() > maxMessageChars) throw new InvalidInputException("invalid_system_prompt", "system_prompt is too long (at most " + maxMessageChars + " characters)");
        Conversation created = conversations.create(ConversationId.random(), owner, t, p, now());
        if (retention > 0) {
            int removed = conversations.deleteOldest(owner, retention);
            if (removed > 0) LOG.log(Level.DEBUG, "retention removed {0} conversation(s) of user {1}", removed, owner);
        }
        return created;
    }

    public Page<Conversation> conversations(UserId owner, PageRequest page) {
        return conversations.list(owner, page);
    }

    public List<SearchHit> search(UserId owner, String query, int limit) {
        String q = query == null ? "" : query.strip();
        if (q.isEmpty()) throw new InvalidInputException("invalid_query", "q must not be empty");
        if (q.length() > 200) throw new InvalidInputException("invalid_query", "q must be at most 200 characters");
        return conversations.search(owner, q, limit);
    }

    /** @throws NotFoundException when it does not exist or is someone else's */
    public Conversation conversation(UserId owner, ConversationId id) {
        return conversations.find(owner, id).orElseThrow(NotFoundException::conversation);
    }

    public Page<Message> history(UserId owner, ConversationId id, PageRequest page) {
        conversation(owner, id);
        return conversations.history(id, page);
    }

    public void deleteConversation(UserId owner, ConversationId id) {
        if (!conversations.delete(owner, id)) throw NotFoundException.conversation();
    }

    /**
     * Runs one turn and waits for the whole reply. The user message is stored even if the model fails.
     * With an idempotency key already used, returns that send's turn (waiting for it if it is still
     * being written) or, if its reply never came, asks the model again without storing a second question.
     * @throws ModelException
     */
    public Turn reply(UserId owner, ConversationId id, ChatInput input) {
        Optional<KeyedQuestion> keyed = keyed(owner, id, input);
        if (keyed.isPresent()) {
            Message question = keyed.get().question();
            LiveTurn running = live.get(id);
            if (running != null && running.turn.question().id() == question.id()) {
                CompletableFuture<Message> done = new CompletableFuture<>();
                running.attach(collector(done), Integer.MAX_VALUE);
                return new Turn(question, join(done));
            }
            Optional<Turn> stored = storedTurn(id, question);
            if (stored.isPresent()) return stored.get();
        }
        Prepared turn = take(draft(owner, id, input, keyed.map(KeyedQuestion::question)));
        held.put(turn.turnId, id);
        boolean freed = false;
        try {
            ChatCompletion completion = completeWithRetries(turn);
            Message answer = conversations.finishTurn(id, turn.turnId, 0, new NewMessage(Role.ASSISTANT, completion.text(), MessageStatus.COMPLETE, now(),
                    completion.usage().promptTokens(), completion.usage().completionTokens()));
            freed = true;
            recentHistory.appended(turn.conversation, turn.question, answer);
            logTurn(turn, false, "complete", 200, completion.usage(), completion.text().length());
            afterTurn(turn, completion.text());
            return new Turn(turn.question, answer);
        } finally {
            held.remove(turn.turnId);
            if (!freed) conversations.endTurn(id, turn.turnId);
        }
    }

    private ChatCompletion completeWithRetries(Prepared turn) {
        for (int attempt = 1; ; attempt++) {
            try {
                return model.complete(turn.request);
            } catch (ModelException e) {
                long wait = retry.delayMillis(e, attempt, (System.nanoTime() - turn.startNanos) / 1_000_000);
                if (wait < 0) {
                    logTurn(turn, false, outcome(e), e.upstreamStatus(), Usage.UNKNOWN, 0);
                    throw e;
                }
                LOG.log(Level.INFO, "model call for {0} failed ({1}); retry {2} in {3} ms", turn.conversation.id(), e.failure(), attempt, wait);
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /**
     * Runs one turn, streaming the reply to {@code listener}. Input errors and unknown conversations are
     * thrown here, before anything is stored; model failures arrive at the listener, after whatever text
     * was produced has been stored with status {@code error} ({@code incomplete} when stopped). The reply
     * row exists from the first token ({@code streaming}) and grows as the reply does. Cancelling the
     * returned handle detaches this listener; the model is cancelled once no listener is left. With an
     * idempotency key already used, the first send's reply is relayed instead (live if still running).
     */
    public ChatStream stream(UserId owner, ConversationId id, ChatInput input, ReplyListener listener) {
        Objects.requireNonNull(listener, "listener");
        Optional<KeyedQuestion> keyed = keyed(owner, id, input);
        if (keyed.isPresent()) {
            Message question = keyed.get().question();
            LiveTurn running = live.get(id);
            if (running != null && running.turn.question().id() == question.id()) return running.attach(listener, -1);
            Optional<Turn> stored = storedTurn(id, question);
            if (stored.isPresent()) {
                Message answer = stored.get().answer();
                if (!answer.content().isEmpty()) listener.onDelta(answer.content());
                if (answer.status() == MessageStatus.COMPLETE) {
                    listener.onComplete(answer);
                } else {
                    listener.onError(new ChatException("reply_" + answer.status().wireName(),
                            "The reply to this message was cut short (" + answer.status().wireName() + "); send the message again to retry."));
                }
                return () -> { };
            }
        }
        Draft draft = draft(owner, id, input, keyed.map(KeyedQuestion::question));
        if (live.containsKey(id)) throw busy();
        // the model is called while the question commits (an fsync on SQLite); it hears nothing until the commit is done
        EarlyCall early = EarlyCall.start(model, draft.request);
        Prepared turn;
        try {
            turn = take(draft);
        } catch (RuntimeException e) {
            early.abandon();
            throw e;
        }
        LiveTurn running = new LiveTurn(host, turn, retry, flushInterval);
        live.put(id, running);
        held.put(turn.turnId, id);
        try {
            return running.start(listener, early);
        } catch (RuntimeException e) {
            live.remove(id, running);
            held.remove(turn.turnId);
            conversations.endTurn(id, turn.turnId);
            throw e;
        }
    }

    /**
     * Follows the reply being written in a conversation (a reconnecting client, another device): the
     * chunks after index {@code afterChunk} (-1 for all), then the rest live.
     * @throws NotFoundException when no reply is being written here (read the history instead)
     */
    public ChatStream follow(UserId owner, ConversationId id, int afterChunk, ReplyListener listener) {
        conversation(owner, id);
        LiveTurn running = live.get(id);
        if (running == null) throw new NotFoundException("no_live_reply", "No reply is being written in this conversation; read its history");
        return running.attach(listener, afterChunk);
    }

    /**
     * Stops the reply being written in a conversation: the model call is cancelled and what was written
     * is kept as {@code incomplete}. @throws NotFoundException when no reply is being written here
     */
    public void stop(UserId owner, ConversationId id) {
        conversation(owner, id);
        LiveTurn running = live.get(id);
        if (running == null) throw new NotFoundException("no_live_reply", "No reply is being written in this conversation");
        running.stop();
    }

    /** How many replies this engine is streaming now. */
    public int liveReplies() {
        return live.size();
    }

    /** How many turns, streamed or not, this engine is running now. */
    public int turnsInProgress() {
        return held.size();
    }

    /** Stops every reply in progress (shutdown); their partial text is stored as {@code incomplete}. */
    public void stopAll() {
        live.values().forEach(LiveTurn::stop);
    }

    private Optional<KeyedQuestion> keyed(UserId owner, ConversationId id, ChatInput input) {
        if (input.idempotencyKey().isEmpty()) return Optional.empty();
        if (input.idempotencyKey().length() > 200) throw new InvalidInputException("invalid_idempotency_key", "Idempotency-Key is at most 200 characters");
        Optional<KeyedQuestion> found = conversations.findQuestion(owner, input.idempotencyKey());
        if (found.isPresent() && !found.get().conversation().equals(id)) {
            throw new ConflictException("idempotency_key_reused", "This Idempotency-Key was already used for another conversation");
        }
        return found;
    }

    /** The stored reply to a keyed question, when there is a finished one. */
    private Optional<Turn> storedTurn(ConversationId id, Message question) {
        Optional<Message> next = conversations.next(id, question.id()).filter(m -> m.role() == Role.ASSISTANT);
        if (next.isPresent() && next.get().status() == MessageStatus.STREAMING) {
            throw new ConflictException("turn_in_progress", "The reply to this message is still being written on another server; read the history shortly.");
        }
        return next.map(answer -> new Turn(question, answer));
    }

    private static ReplyListener collector(CompletableFuture<Message> done) {
        return new ReplyListener() {
            @Override
            public void onDelta(String text) {
            }

            @Override
            public void onComplete(Message reply) {
                done.complete(reply);
            }

            @Override
            public void onError(ChatException error) {
                done.completeExceptionally(error);
            }
        };
    }

    private static Message join(CompletableFuture<Message> done) {
        try {
            return done.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw e;
        }
    }

    public ModelSettings settings(UserId user) {
        return settings.find(user).orElseGet(catalog::defaults);
    }

    public ModelSettings updateSettings(UserId user, SettingsUpdate update) {
        ModelSettings updated = catalog.apply(settings(user), update);
        settings.save(user, updated);
        return updated;
    }

    /** The endpoint that turns with these settings go to. */
    public ModelEndpoint endpoint(ModelSettings settings) {
        return catalog.endpoint(settings);
    }

    public List<ModelPreset> presets() {
        return catalog.presets();
    }

    /** Lets pending title requests finish (briefly) and stops the background executor. */
    @Override
    public void close() {
        scheduler.shutdownNow();
        writer.shutdown();
        background.shutdown();
        try {
            if (!background.awaitTermination(5, TimeUnit.SECONDS)) background.shutdownNow();
        } catch (InterruptedException e) {
            background.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    record Prepared(Conversation conversation, ModelEndpoint endpoint, ChatRequest request, Message question, String turnId, long startNanos) {
    }

    /** One structured line per turn; never the key, never the text. */
    private static void logTurn(Prepared turn, boolean streamed, String outcome, int upstreamStatus, Usage usage, int replyChars) {
        LOG.log(Level.INFO, "turn conversation={0} model={1} stream={2} outcome={3} upstream_status={4} latency_ms={5} prompt_tokens={6} completion_tokens={7} reply_chars={8}",
                turn.conversation.id(), turn.endpoint.model(), streamed, outcome, upstreamStatus == 0 ? "-" : Integer.toString(upstreamStatus),
                Long.toString((System.nanoTime() - turn.startNanos) / 1_000_000), usage.known() ? Integer.toString(usage.promptTokens()) : "-",
                usage.known() ? Integer.toString(usage.completionTokens()) : "-", Integer.toString(replyChars));
    }

    private static String outcome(ModelException e) {
        return e.failure().name().toLowerCase(java.util.Locale.ROOT);
    }

    /** A turn ready to be taken: checked input and the request for the model; nothing stored yet. */
    private record Draft(ConversationId id, UserId owner, ChatInput input, Optional<Message> asked, Conversation conversation,
                         ModelEndpoint endpoint, ChatRequest request, long startNanos) {
    }

    private Draft draft(UserId owner, ConversationId id, ChatInput input, Optional<Message> asked) {
        long startNanos = System.nanoTime();
        String text = input.message();
        if (text.isBlank()) throw new InvalidInputException("invalid_message", "message must not be empty");
        if (text.length() > maxMessageChars) {
            throw new InvalidInputException("message_too_long", "message is too long (at most " + maxMessageChars + " characters)");
        }
        Text.check("message", text);
        double temperature = input.temperature().orElse(defaultTemperature);
        if (!(temperature >= 0 && temperature <= 2)) throw new InvalidInputException("invalid_temperature", "temperature must be between 0 and 2");
        ModelSettings mine = settings(owner);
        int maxTokens = input.maxTokens().orElse(mine.maxTokens());
        if (maxTokens < ModelSettings.MIN_MAX_TOKENS || maxTokens > ModelSettings.MAX_MAX_TOKENS) {
            throw new InvalidInputException("invalid_max_tokens", "max_tokens must be between 1 and 100000");
        }
        Conversation conversation = conversation(owner, id);
        ModelEndpoint endpoint = catalog.endpoint(mine);
        long first = asked.map(Message::id).orElse(Long.MAX_VALUE);
        ContextWindow.Prompt prompt = contextWindow.build(endpoint.contextWindow(), maxTokens, conversation.systemPrompt(),
                before -> asked.isPresent() ? contextWindow.count(conversations.recent(id, Math.min(before, first), ContextWindow.PAGE))
                        : before == Long.MAX_VALUE ? recentHistory.latest(conversation) : recentHistory.older(conversation, before), text);
        ChatRequest request = new ChatRequest(endpoint, prompt.messages(), temperature, prompt.maxTokens());
        return new Draft(id, owner, input, asked, conversation, endpoint, request, startNanos);
    }

    /** Takes the conversation for the turn and stores its question (one commit). @throws ConflictException when another turn holds it */
    private Prepared take(Draft d) {
        String turnId = java.util.UUID.randomUUID().toString();
        Instant now = now();
        Message question;
        if (d.asked.isPresent()) {
            if (!conversations.beginTurn(d.id, turnId, now, now.plus(turnLease))) throw busy();
            question = d.asked.get();
        } else {
            question = conversations.startTurn(d.id, turnId, now, now.plus(turnLease), NewMessage.of(Role.USER, d.input.message(), now), d.owner,
                    d.input.idempotencyKey()).orElseThrow(ChatEngine::busy);
        }
        return new Prepared(d.conversation, d.endpoint, d.request, question, turnId, d.startNanos);
    }

    private static ConflictException busy() {
        return new ConflictException("turn_in_progress",
                "A reply is still being written in this conversation; wait for it to finish, then send your message again.");
    }

    private void afterTurn(Prepared turn, String answer) {
        Conversation c = turn.conversation;
        if (c.messageCount() == 0 && c.title().equals(defaultTitle) && !answer.isBlank()) {
            try {
                background.execute(() -> titler.title(c.id(), turn.endpoint, turn.question.content(), answer));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                LOG.log(Level.DEBUG, "engine closing; no title for {0}", c.id());
            }
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    }

    /** Configuration of a {@link ChatEngine}; defaults are the seed's. */
    public static final class Builder {
        private final ConversationStore conversations;
        private final SettingsStore settings;
        private final ChatModel model;
        private List<ModelPreset> presets = List.of();
        private int defaultMaxTokens = 2000;
        private int customContextWindow = ModelCatalog.CUSTOM_CONTEXT_WINDOW_DEFAULT;
        private int retention = 500;
        private int maxMessageChars = 100_000;
        private double defaultTemperature = 0.7;
        private String defaultTitle = "新对话";
        private TokenCounter tokenCounter;
        private Clock clock = Clock.systemUTC();
        private Duration turnLease = Duration.ofSeconds(60);
        private Duration flushInterval = Duration.ofMillis(500);
        private Retry retry = Retry.DEFAULT;
        private SecretCipher cipher;

        private Builder(ConversationStore conversations, SettingsStore settings, ChatModel model) {
            this.conversations = Objects.requireNonNull(conversations, "conversations");
            this.settings = Objects.requireNonNull(settings, "settings");
            this.model = Objects.requireNonNull(model, "model");
        }

        /** The operator's models; the first is every new user's default. */
        public Builder presets(List<ModelPreset> presets) {
            this.presets = List.copyOf(presets);
            return this;
        }

        public Builder defaultMaxTokens(int maxTokens) {
            this.defaultMaxTokens = maxTokens;
            return this;
        }

        /** The context window assumed for users' custom endpoints (default 8192 tokens). */
        public Builder customContextWindow(int tokens) {
            this.customContextWindow = tokens;
            return this;
        }

        /** How many conversations each user keeps (default 500; 0 keeps all). */
        public Builder retention(int conversationsPerUser) {
            if (conversationsPerUser < 0) throw new IllegalArgumentException("retention must be 0 (unlimited) or more");
            this.retention = conversationsPerUser;
            return this;
        }

        public Builder maxMessageChars(int chars) {
            this.maxMessageChars = chars;
            return this;
        }

        public Builder defaultTemperature(double temperature) {
            this.defaultTemperature = temperature;
            return this;
        }

        public Builder defaultTitle(String title) {
            this.defaultTitle = Objects.requireNonNull(title, "title");
            return this;
        }

        public Builder tokenCounter(TokenCounter counter) {
            this.tokenCounter = counter;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * How long a turn holds its conversation without renewal (renewed every third of it while it
         * runs); a crashed server's conversations are free again after this. Default 60 seconds.
         */
        public Builder turnLease(Duration lease) {
            this.turnLease = Objects.requireNonNull(lease, "lease");
            return this;
        }

        /** How often a streamed reply's text is written while it grows (default 500 ms). */
        public Builder flushInterval(Duration interval) {
            this.flushInterval = Objects.requireNonNull(interval, "interval");
            return this;
        }

        /** Retries of transient model failures before the first token: attempts in all, within a time budget (default 3 in 20 s). */
        public Builder retries(int attempts, Duration budget) {
            this.retry = new Retry(attempts, budget);
            return this;
        }

        /** Encrypts users' custom API keys at rest (the server always sets one; embedders may). */
        public Builder secretCipher(SecretCipher cipher) {
            this.cipher = cipher;
            return this;
        }

        public ChatEngine build() {
            return new ChatEngine(this);
        }
    }
}
