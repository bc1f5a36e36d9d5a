package dev.llmchat.core;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
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

    private final ConversationStore conversations;
    private final SettingsStore settings;
    private final ChatModel model;
    private final ModelCatalog catalog;
    private final ContextWindow contextWindow;
    private final Titler titler;
    private final ExecutorService background;
    private final Clock clock;
    private final int retention;
    private final int maxMessageChars;
    private final double defaultTemperature;
    private final String defaultTitle;
    private final java.time.Duration turnTimeout;

    private ChatEngine(Builder b) {
        this.conversations = b.conversations;
        this.settings = b.cipher == null ? b.settings : new SealedSettings(b.settings, b.cipher);
        this.model = b.model;
        this.catalog = new ModelCatalog(b.presets, b.defaultMaxTokens, b.customContextWindow);
        this.contextWindow = new ContextWindow(b.tokenCounter != null ? b.tokenCounter : new JtokkitTokenCounter());
        this.titler = new Titler(b.model, b.conversations, b.defaultTitle);
        this.background = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("chat-title-", 0).factory());
        this.clock = b.clock;
        this.retention = b.retention;
        this.maxMessageChars = b.maxMessageChars;
        this.defaultTemperature = b.defaultTemperature;
        this.defaultTitle = b.defaultTitle;
        this.turnTimeout = b.turnTimeout;
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

    /** Runs one turn and waits for the whole reply. The user message is stored even if the model fails. @throws ModelException */
    public Turn reply(UserId owner, ConversationId id, ChatInput input) {
        Prepared turn = prepare(owner, id, input);
        try {
            ChatCompletion completion;
            try {
                completion = model.complete(turn.request);
            } catch (ModelException e) {
                logTurn(turn, false, outcome(e), e.upstreamStatus(), Usage.UNKNOWN, 0);
                throw e;
            }
            Message answer = conversations.append(id, new NewMessage(Role.ASSISTANT, completion.text(), MessageStatus.COMPLETE, now(),
                    completion.usage().promptTokens(), completion.usage().completionTokens()));
            logTurn(turn, false, "complete", 200, completion.usage(), completion.text().length());
            afterTurn(turn, completion.text());
            return new Turn(turn.question, answer);
        } finally {
            conversations.endTurn(id, turn.turnId);
        }
    }

    /**
     * Runs one turn, streaming the reply to {@code listener}. Input errors and unknown conversations are
     * thrown here, before anything is stored; model failures arrive at the listener, after whatever text
     * was produced has been stored with status {@code error} ({@code incomplete} when cancelled).
     */
    public ChatStream stream(UserId owner, ConversationId id, ChatInput input, ReplyListener listener) {
        Objects.requireNonNull(listener, "listener");
        Prepared turn = prepare(owner, id, input);
        try {
            return model.stream(turn.request, new PersistingListener(turn, listener));
        } catch (RuntimeException e) {
            conversations.endTurn(id, turn.turnId);
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

    /** The endpoint that the user's turns currently go to. */
    public ModelEndpoint endpoint(UserId user) {
        return catalog.endpoint(settings(user));
    }

    public List<ModelPreset> presets() {
        return catalog.presets();
    }

    public String defaultTitle() {
        return defaultTitle;
    }

    /** Lets pending title requests finish (briefly) and stops the background executor. */
    @Override
    public void close() {
        background.shutdown();
        try {
            if (!background.awaitTermination(5, TimeUnit.SECONDS)) background.shutdownNow();
        } catch (InterruptedException e) {
            background.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private record Prepared(Conversation conversation, ModelEndpoint endpoint, ChatRequest request, Message question, String turnId, long startNanos) {
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

    private Prepared prepare(UserId owner, ConversationId id, ChatInput input) {
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
        ContextWindow.Prompt prompt = contextWindow.build(endpoint.contextWindow(), maxTokens, conversation.systemPrompt(),
                before -> conversations.recent(id, before, ContextWindow.PAGE), text);
        String turnId = java.util.UUID.randomUUID().toString();
        Instant now = now();
        if (!conversations.beginTurn(id, turnId, now, now.plus(turnTimeout))) {
            throw new ConflictException("turn_in_progress",
                    "A reply is still being written in this conversation; wait for it to finish, then send your message again.");
        }
        try {
            Message question = conversations.append(id, NewMessage.of(Role.USER, text, now));
            ChatRequest request = new ChatRequest(endpoint, prompt.messages(), temperature, prompt.maxTokens());
            return new Prepared(conversation, endpoint, request, question, turnId, startNanos);
        } catch (RuntimeException e) {
            conversations.endTurn(id, turnId);
            throw e;
        }
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

    /** Stores the reply as it ends, then tells the caller's listener. */
    private final class PersistingListener implements ChatStreamListener {
        private final Prepared turn;
        private final ReplyListener downstream;

        PersistingListener(Prepared turn, ReplyListener downstream) {
            this.turn = turn;
            this.downstream = downstream;
        }

        @Override
        public void onDelta(String text) {
            downstream.onDelta(text);
        }

        @Override
        public void onComplete(ChatCompletion completion) {
            Message answer;
            try {
                answer = conversations.append(turn.conversation.id(), new NewMessage(Role.ASSISTANT, completion.text(), MessageStatus.COMPLETE,
                        now(), completion.usage().promptTokens(), completion.usage().completionTokens()));
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "storing the reply of " + turn.conversation.id() + " failed", e);
                conversations.endTurn(turn.conversation.id(), turn.turnId);
                downstream.onError(new ChatException("storage_failed", "The reply could not be saved; please try again."));
                return;
            }
            conversations.endTurn(turn.conversation.id(), turn.turnId);
            logTurn(turn, true, "complete", 200, completion.usage(), completion.text().length());
            downstream.onComplete(answer);
            afterTurn(turn, completion.text());
        }

        @Override
        public void onError(ModelException error, String partialText) {
            if (!partialText.isEmpty()) {
                MessageStatus status = error.failure() == ModelFailure.CANCELLED ? MessageStatus.INCOMPLETE : MessageStatus.ERROR;
                try {
                    conversations.append(turn.conversation.id(), new NewMessage(Role.ASSISTANT, partialText, status, now(), 0, 0));
                } catch (RuntimeException e) {
                    LOG.log(Level.ERROR, "storing the partial reply of " + turn.conversation.id() + " failed", e);
                }
            }
            try {
                conversations.endTurn(turn.conversation.id(), turn.turnId);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "freeing " + turn.conversation.id() + " failed; it frees itself when the turn expires", e);
            }
            logTurn(turn, true, outcome(error), error.upstreamStatus(), Usage.UNKNOWN, partialText.length());
            downstream.onError(error);
        }
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
        private java.time.Duration turnTimeout = java.time.Duration.ofMinutes(20);
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
         * How long a turn may hold its conversation before another turn may start anyway (a crashed
         * server's turns expire); longer than the model's total timeout. Default 20 minutes.
         */
        public Builder turnTimeout(java.time.Duration timeout) {
            this.turnTimeout = Objects.requireNonNull(timeout, "timeout");
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
