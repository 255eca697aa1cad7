/*! SCE routing assistant: chat widget loader (embed kit __KIT_VERSION__), Apache-2.0.
 *
 * One line on the host page:
 *   <script src="https://static.example.org/assistant/assistant.js" data-rasa-url="https://chat.example.org"
 *           data-lang="en" data-title="..." data-color="#0b4f8a"></script>
 * Options come from the script tag's data-* attributes, else from window.RasaAssistantConfig (an object
 * defined before this script runs), else from the defaults below; docs/embed.md lists them all.
 *
 * The loader adds webchat.css, assistant.css and webchat.js from its own directory, mounts the widget and
 * then looks after what rasa-webchat does not: the widget is always shown (an unreachable assistant gets a
 * notice with SCE's phone numbers in the chat area while socket.io keeps reconnecting), phone numbers in
 * replies become tel: links, every control has a label, quick replies work from the keyboard, Escape
 * closes the chat, focus returns to the launcher and new replies are announced politely to screen readers.
 * Public API: window.RasaAssistant.open() / close() / toggle() / isOpen() / status(); any element with a
 * data-rasa-assistant-open attribute opens the chat when clicked.
 */
(function () {
  "use strict";

  if (window.RasaAssistant && window.RasaAssistant.version) {
    return; // one widget per page
  }
  var VERSION = "__KIT_VERSION__";
  var OFFLINE_AFTER_MS = 8000; // no confirmed session by then: show the notice
  var FALLBACK_AFTER_MS = 10000; // the widget never appeared: show the kit's own launcher and notice
  var REPLY_DELAY_MS = 400;

  var STRINGS = {
    en: {
      title: "Help Center assistant",
      subtitle: "SCE, your CCA, CAISO or the CPUC?",
      placeholder: "Ask about outages, bills, your power supplier...",
      inputLabel: "Your question for the assistant",
      send: "Send",
      openChat: "Open the chat with the assistant",
      closeChat: "Close the chat",
      conversation: "Conversation with the assistant",
      chat: "Chat with the assistant",
      connecting: "Connecting...",
      offline:
        "The assistant can't be reached right now; we keep trying to reconnect. For help now, call " +
        "Southern California Edison at 1-800-655-4555, or 1-800-611-1911 to report an outage. " +
        "If anyone is in danger, call 911.",
      reconnected: "The assistant is back.",
      tooFast: "You are sending messages too quickly. Please wait a moment and try again.",
      tooLong: "Your last message was too long. Please shorten it and send it again.",
      refused: "Your last message did not reach the assistant. Please send it again.",
      keptOffline: "Not sent: the assistant can't be reached right now. Please try again when it is back.",
      options: "Options",
      unavailableLabel: "assistant unavailable",
    },
    es: {
      title: "Asistente del Centro de Ayuda",
      subtitle: "¿SCE, su CCA, CAISO o la CPUC?",
      placeholder: "Pregunte sobre apagones, facturas, su proveedor de electricidad...",
      inputLabel: "Su pregunta para el asistente",
      send: "Enviar",
      openChat: "Abrir el chat con el asistente",
      closeChat: "Cerrar el chat",
      conversation: "Conversación con el asistente",
      chat: "Chat con el asistente",
      connecting: "Conectando...",
      offline:
        "En este momento no podemos comunicarnos con el asistente; seguimos intentando reconectar. Si " +
        "necesita ayuda ahora, llame a Southern California Edison al 1-800-655-4555, o al 1-800-611-1911 " +
        "para reportar un apagón. Si alguien está en peligro, llame al 911.",
      reconnected: "El asistente está disponible de nuevo.",
      tooFast: "Está enviando mensajes demasiado rápido. Espere un momento y vuelva a intentarlo.",
      tooLong: "Su último mensaje era demasiado largo. Acórtelo y envíelo de nuevo.",
      refused: "Su último mensaje no llegó al asistente. Envíelo de nuevo, por favor.",
      keptOffline: "No se envió: en este momento no podemos comunicarnos con el asistente. Vuelva a intentarlo " +
        "cuando el asistente esté disponible.",
      options: "Opciones",
      unavailableLabel: "asistente no disponible",
    },
  };

  // option name -> data attribute; every option can also be given in window.RasaAssistantConfig.
  var OPTIONS = {
    rasaUrl: "data-rasa-url",
    socketPath: "data-socket-path",
    lang: "data-lang",
    title: "data-title",
    subtitle: "data-subtitle",
    placeholder: "data-placeholder",
    color: "data-color",
    textColor: "data-text-color",
    botColor: "data-bot-color",
    botTextColor: "data-bot-text-color",
    logo: "data-logo",
    position: "data-position",
    openingMessage: "data-opening-message",
    offlineMessage: "data-offline-message",
    initPayload: "data-init-payload",
    storage: "data-storage",
  };
  var COLORS = {
    color: "--rasa-assistant-color",
    textColor: "--rasa-assistant-text-color",
    botColor: "--rasa-assistant-bot-color",
    botTextColor: "--rasa-assistant-bot-text-color",
  };

  function thisScript() {
    if (document.currentScript) {
      return document.currentScript;
    }
    var scripts = document.getElementsByTagName("script");
    for (var i = scripts.length - 1; i >= 0; i -= 1) {
      if (/(^|\/)assistant\.js([?#]|$)/.test(scripts[i].getAttribute("src") || "")) {
        return scripts[i];
      }
    }
    return null;
  }

  function readConfig(script) {
    var given = window.RasaAssistantConfig || {};
    var config = {};
    Object.keys(OPTIONS).forEach(function (name) {
      var attribute = script && script.getAttribute(OPTIONS[name]);
      if (attribute !== null && attribute !== undefined && attribute !== "") {
        config[name] = attribute;
      } else if (given[name] !== undefined && given[name] !== null) {
        config[name] = String(given[name]);
      }
    });
    var lang = String(config.lang || document.documentElement.lang || "en").toLowerCase().split("-")[0];
    if (!STRINGS[lang]) {
      warn("no texts for language '" + lang + "', using English");
      lang = "en";
    }
    config.lang = lang;
    config.strings = STRINGS[lang];
    config.rasaUrl = (config.rasaUrl || window.location.origin).replace(/\/+$/, "");
    config.socketPath = config.socketPath || "/socket.io/";
    config.title = config.title || config.strings.title;
    config.subtitle = config.subtitle === undefined ? config.strings.subtitle : config.subtitle;
    config.placeholder = config.placeholder || config.strings.placeholder;
    config.offlineMessage = config.offlineMessage || config.strings.offline;
    config.position = config.position === "left" ? "left" : "right";
    config.storage = config.storage === "session" ? "session" : "local";
    if (config.initPayload === undefined) {
      // With an opening message of its own the widget asks Rasa nothing until the user writes, except
      // on a page in another language than English: then it tells Rasa the page's language, silently.
      config.initPayload = config.openingMessage ? "" : "/greet";
      if (config.openingMessage && config.lang && config.lang !== "en") {
        config.initPayload = '/page_language{"language": "' + config.lang + '"}';
      }
    }
    Object.keys(COLORS).forEach(function (name) {
      if (config[name] && !(window.CSS && CSS.supports && CSS.supports("color", config[name]))) {
        warn("ignoring " + name + " '" + config[name] + "': not a CSS colour");
        delete config[name];
      }
    });
    return config;
  }

  function warn(message) {
    if (window.console && console.warn) {
      console.warn("[assistant] " + message);
    }
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  // --- phone numbers -------------------------------------------------------------------------------
  var PHONE = /(^|[^\w[(+-])((?:\+?1[-.\s])?(?:\(\d{3}\)\s?|\d{3}[-.\s])\d{3}[-.\s]\d{4})(?![\w-])/g;

  function telHref(number) {
    var digits = number.replace(/\D/g, "");
    return "tel:+" + (digits.length === 10 ? "1" + digits : digits);
  }

  // Bot text is Markdown to the widget: numbers become Markdown links it renders as <a href="tel:...">.
  function linkPhonesMarkdown(text) {
    if (typeof text !== "string" || text.indexOf("](tel:") !== -1) {
      return text;
    }
    return text.replace(PHONE, function (match, before, number) {
      return before + "[" + number + "](" + telHref(number) + ")";
    });
  }

  // The same for the kit's own texts, built as DOM nodes (no HTML parsing of configured text).
  function textWithPhoneLinks(text) {
    var fragment = document.createDocumentFragment();
    var last = 0;
    text.replace(PHONE, function (match, before, number, offset) {
      var start = offset + before.length;
      fragment.appendChild(document.createTextNode(text.slice(last, start)));
      var link = element("a", "rasa-assistant__tel", number);
      link.href = telHref(number);
      fragment.appendChild(link);
      last = start + number.length;
      return match;
    });
    fragment.appendChild(document.createTextNode(text.slice(last)));
    return fragment;
  }

  // --- state -----------------------------------------------------------------------------------------
  var script = thisScript();
  var config = readConfig(script);
  var strings = config.strings;
  var kitBase = script && script.src ? script.src.replace(/[^/]*([?#].*)?$/, "") : "";
  var root = element("div", "rasa-assistant");
  var mount = element("div", "rasa-assistant__mount");
  var live = element("div", "rasa-assistant__sr-only rasa-assistant__live");
  var state = {
    status: "loading", // loading -> connecting -> online | offline; unavailable when the widget cannot load
    pendingOpen: false,
    fallback: null,
    messages: null,
    seen: typeof WeakSet === "function" ? new WeakSet() : null,
    transientNotice: null,
    offlineTimer: null,
    openingShown: false,
  };

  root.setAttribute("lang", config.lang);
  root.setAttribute("data-position", config.position);
  root.setAttribute("data-status", state.status);
  Object.keys(COLORS).forEach(function (name) {
    if (config[name]) {
      root.style.setProperty(COLORS[name], config[name]);
    }
  });
  live.setAttribute("aria-live", "polite");
  live.setAttribute("aria-atomic", "false");
  live.setAttribute("role", "log");
  root.appendChild(mount);
  root.appendChild(live);

  function setStatus(status) {
    state.status = status;
    root.setAttribute("data-status", status);
    enhance();
  }

  function announce(text) {
    text = (text || "").replace(/\s+/g, " ").trim();
    if (!text) {
      return;
    }
    live.appendChild(element("p", null, text));
    while (live.childNodes.length > 5) {
      live.removeChild(live.firstChild);
    }
  }

  // --- connection ------------------------------------------------------------------------------------
  function goOffline() {
    if (state.status === "offline" || state.status === "unavailable") {
      return;
    }
    setStatus("offline"); // the notice is placed (and announced) in the open chat by enhance()
  }

  function goOnline() {
    window.clearTimeout(state.offlineTimer);
    state.transientNotice = null;
    var wasOffline = state.status === "offline";
    setStatus("online");
    if (wasOffline && isOpen()) {
      announce(strings.reconnected);
    }
  }

  // The server's answer to a message it did not take (bot.channels.socketio: {"error", "status"}).
  function onRefused(data) {
    var status = data && data.status;
    showTransientNotice(status === 429 ? strings.tooFast : status === 413 ? strings.tooLong : strings.refused);
  }

  // Offline, the widget disables its input but not its reply buttons: a click would be queued and lost on
  // reconnection (the new connection has no session yet when the queue is flushed). Say so instead; capture
  // phase, before React sees the event.
  function holdWhileOffline(event) {
    if (state.status !== "offline") {
      return;
    }
    var target = event.target;
    var isSend = event.type === "submit" && target.classList && target.classList.contains("rw-sender");
    var isReply = event.type === "click" && target.closest && target.closest("div.rw-reply");
    if (isSend || isReply) {
      event.preventDefault();
      event.stopPropagation();
      showTransientNotice(strings.keptOffline);
    }
  }

  var socketEvents = {
    bot_uttered: function (message) {
      // Runs before the widget's own handler (rasa-webchat registers these first), so the widget renders
      // the linked text and stores it for the history shown after a reload.
      if (message && typeof message.text === "string") {
        message.text = linkPhonesMarkdown(message.text);
      }
      clearTransientNotice();
    },
    session_confirm: goOnline,
    connect_error: goOffline,
    disconnect: function (reason) {
      if (reason !== "io client disconnect") {
        goOffline();
      }
    },
    message_refused: onRefused,
  };

  // --- the widget's DOM ------------------------------------------------------------------------------
  function q(selector) {
    return root.querySelector(selector);
  }

  function isOpen() {
    if (state.fallback) {
      return !state.fallback.panel.hidden;
    }
    return !!q(".rw-conversation-container");
  }

  function setAttributes(node, attributes) {
    if (!node) {
      return;
    }
    Object.keys(attributes).forEach(function (name) {
      if (node.getAttribute(name) !== attributes[name]) {
        node.setAttribute(name, attributes[name]);
      }
    });
  }

  function onReplyKey(event) {
    if (event.key === "Enter" || event.key === " " || event.key === "Spacebar") {
      event.preventDefault();
      event.currentTarget.click();
      // The widget removes the buttons once one is chosen: keep the keyboard user in the conversation.
      window.setTimeout(function () {
        var input = q(".rw-new-message");
        if (input && (!document.activeElement || document.activeElement === document.body)) {
          input.focus();
        }
      }, 0);
    }
  }

  function noticeNode(text, className) {
    var notice = element("div", "rasa-assistant__notice " + className);
    notice.setAttribute("role", "status");
    var paragraph = element("p");
    paragraph.appendChild(textWithPhoneLinks(text));
    notice.appendChild(paragraph);
    return notice;
  }

  function showTransientNotice(text) {
    clearTransientNotice();
    state.transientNotice = text;
    enhance();
  }

  function clearTransientNotice() {
    if (state.transientNotice) {
      state.transientNotice = null;
      enhance();
    }
  }

  function placeNotice(conversation, sender, className, text) {
    var existing = conversation.querySelector(":scope > ." + className);
    if (!text) {
      if (existing) {
        conversation.removeChild(existing);
      }
      return;
    }
    if (existing && existing.getAttribute("data-text") === text) {
      return;
    }
    var notice = noticeNode(text, className);
    notice.setAttribute("data-text", text);
    if (existing) {
      conversation.replaceChild(notice, existing);
    } else {
      conversation.insertBefore(notice, sender && sender.parentNode === conversation ? sender : null);
    }
    announce(text);
  }

  function openingMessageNode() {
    var group = element("div", "rw-group-message rw-from-response rasa-assistant__opening");
    var message = element("div", "rw-message");
    var bubble = element("div", "rw-response");
    var text = element("div", "rw-message-text");
    var paragraph = element("p");
    paragraph.appendChild(textWithPhoneLinks(config.openingMessage));
    text.appendChild(paragraph);
    bubble.appendChild(text);
    message.appendChild(bubble);
    group.appendChild(message);
    return group;
  }

  function botMessageText(message) {
    var text = message.querySelector(".rw-message-text");
    var replies = message.querySelectorAll(".rw-reply");
    var said = text ? text.textContent : message.textContent;
    if (replies.length) {
      said += " " + strings.options + ": " + Array.prototype.map.call(replies, function (reply) {
        return reply.textContent;
      }).join(", ");
    }
    return said;
  }

  var enhancing = false;
  function enhance() {
    if (enhancing) {
      return;
    }
    enhancing = true;
    try {
      enhanceWidget();
    } finally {
      enhancing = false;
    }
  }

  function enhanceWidget() {
    var launcher = q(".rw-launcher");
    var conversation = q(".rw-conversation-container");
    var offline = state.status === "offline";
    if (launcher) {
      var label = conversation ? strings.closeChat : strings.openChat + " (" + config.title + ")";
      if (offline && !conversation) {
        label += ", " + strings.unavailableLabel;
      }
      setAttributes(launcher, { "aria-label": label, "aria-expanded": conversation ? "true" : "false" });
      if (state.pendingOpen && !conversation) {
        state.pendingOpen = false;
        launcher.click();
        return;
      }
    }
    if (!conversation) {
      state.messages = null;
      return;
    }
    setAttributes(conversation, { role: "region", "aria-label": strings.chat + ": " + config.title });
    var close = conversation.querySelector(".rw-close-button");
    setAttributes(close, { "aria-label": strings.closeChat, type: "button" });
    setAttributes(close && close.querySelector("img"), { alt: "" });
    setAttributes(conversation.querySelector(".rw-new-message"), { "aria-label": strings.inputLabel });
    var send = conversation.querySelector(".rw-send");
    setAttributes(send, { "aria-label": strings.send });
    setAttributes(send && send.querySelector("svg"), { "aria-hidden": "true", focusable: "false" });
    Array.prototype.forEach.call(conversation.querySelectorAll("div.rw-reply"), function (reply) {
      if (!reply.hasAttribute("tabindex")) {
        reply.setAttribute("role", "button");
        reply.setAttribute("tabindex", "0");
        reply.addEventListener("keydown", onReplyKey);
      }
    });
    Array.prototype.forEach.call(conversation.querySelectorAll('a[href^="tel:"][target]'), function (link) {
      link.removeAttribute("target"); // rasa-webchat opens every link in a new tab
    });

    var messages = conversation.querySelector(".rw-messages-container");
    if (messages) {
      setAttributes(messages, { tabindex: "0", role: "group", "aria-label": strings.conversation });
      if (config.openingMessage && !messages.querySelector(".rasa-assistant__opening")) {
        messages.insertBefore(openingMessageNode(), messages.firstChild);
        if (!state.openingShown) {
          state.openingShown = true;
          announce(config.openingMessage);
        }
      }
      trackBotMessages(messages);
    }
    var sender = conversation.querySelector(".rw-sender");
    placeNotice(conversation, sender, "rasa-assistant__offline", offline ? config.offlineMessage : null);
    placeNotice(conversation, sender, "rasa-assistant__transient", state.transientNotice);
  }

  // Announce bot messages that appear while the chat is open; the history shown on opening is not re-read.
  function trackBotMessages(messages) {
    var fresh = messages !== state.messages;
    state.messages = messages;
    var nodes = messages.querySelectorAll(".rw-group-message.rw-from-response > .rw-message");
    Array.prototype.forEach.call(nodes, function (node) {
      if (!state.seen || state.seen.has(node)) {
        return;
      }
      state.seen.add(node);
      if (!fresh) {
        announce(botMessageText(node));
      }
    });
  }

  // --- when the widget cannot load at all ----------------------------------------------------------------
  function useFallback(reason) {
    if (state.fallback) {
      return;
    }
    warn("chat widget unavailable (" + reason + "); showing the phone numbers instead");
    var launcher = element("button", "rasa-assistant__fallback-launcher");
    launcher.type = "button";
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-label", strings.openChat + " (" + config.title + "), " + strings.unavailableLabel);
    launcher.appendChild(element("span", "rasa-assistant__fallback-icon", "?"));
    var panel = element("div", "rasa-assistant__fallback-panel");
    panel.hidden = true;
    panel.id = "rasa-assistant-fallback-panel";
    panel.setAttribute("role", "region");
    panel.setAttribute("aria-label", strings.chat + ": " + config.title);
    var header = element("div", "rasa-assistant__fallback-header");
    header.appendChild(element("h2", "rasa-assistant__fallback-title", config.title));
    var close = element("button", "rasa-assistant__fallback-close", "\u00d7");
    close.type = "button";
    close.setAttribute("aria-label", strings.closeChat);
    header.appendChild(close);
    panel.appendChild(header);
    panel.appendChild(noticeNode(config.offlineMessage, "rasa-assistant__offline"));
    launcher.setAttribute("aria-controls", panel.id);
    launcher.addEventListener("click", function () {
      setFallbackOpen(panel.hidden);
    });
    close.addEventListener("click", function () {
      setFallbackOpen(false);
      launcher.focus();
    });
    while (mount.firstChild) {
      mount.removeChild(mount.firstChild);
    }
    mount.appendChild(panel);
    mount.appendChild(launcher);
    state.fallback = { launcher: launcher, panel: panel, close: close };
    setStatus("unavailable");
    if (state.pendingOpen) {
      state.pendingOpen = false;
      setFallbackOpen(true);
    }
  }

  function setFallbackOpen(open) {
    var fallback = state.fallback;
    fallback.panel.hidden = !open;
    fallback.launcher.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      fallback.close.focus();
      announce(config.offlineMessage);
    }
  }

  // --- public API ------------------------------------------------------------------------------------
  function open() {
    if (state.fallback) {
      setFallbackOpen(true);
      return;
    }
    var input = q(".rw-new-message");
    if (isOpen()) {
      if (input) {
        input.focus();
      }
      return;
    }
    var launcher = q(".rw-launcher");
    if (launcher) {
      launcher.click();
      return;
    }
    // The widget is still loading: open it as soon as its launcher exists (never a silent no-op).
    state.pendingOpen = true;
    window.setTimeout(function () {
      if (state.pendingOpen) {
        useFallback("the widget did not appear in time");
      }
    }, FALLBACK_AFTER_MS);
  }

  function close() {
    if (state.fallback) {
      setFallbackOpen(false);
      return;
    }
    var button = q(".rw-close-button") || (isOpen() ? q(".rw-launcher") : null);
    if (button) {
      button.click();
    }
  }

  function focusLauncherSoon() {
    window.setTimeout(function () {
      var active = document.activeElement;
      if (!active || active === document.body || root.contains(active)) {
        var launcher = q(".rw-launcher");
        if (launcher) {
          launcher.focus();
        }
      }
    }, 0);
  }

  window.RasaAssistant = {
    version: VERSION,
    config: config,
    open: open,
    close: close,
    toggle: function () {
      return isOpen() ? close() : open();
    },
    isOpen: isOpen,
    status: function () {
      return state.status;
    },
  };

  document.addEventListener("click", function (event) {
    var target = event.target && event.target.closest && event.target.closest("[data-rasa-assistant-open]");
    if (target) {
      event.preventDefault();
      open();
    }
  });
  document.addEventListener("keydown", function (event) {
    var active = document.activeElement;
    var inWidget = !active || active === document.body || root.contains(active);
    if ((event.key === "Escape" || event.key === "Esc") && inWidget && isOpen()) {
      event.preventDefault();
      close();
      if (state.fallback) {
        state.fallback.launcher.focus();
      } else {
        focusLauncherSoon();
      }
    }
  });

  // --- loading ---------------------------------------------------------------------------------------
  function addStylesheet(name) {
    var href = kitBase + name + "?v=" + VERSION;
    var link = element("link");
    link.rel = "stylesheet";
    link.href = href;
    (document.head || document.documentElement).appendChild(link);
  }

  function startWidget() {
    if (!window.WebChat || typeof window.WebChat.default !== "function") {
      useFallback("webchat.js did not define WebChat");
      return;
    }
    if (state.fallback) {
      // The widget arrived after open() gave up waiting for it: it replaces the stand-in.
      state.pendingOpen = !state.fallback.panel.hidden;
      state.fallback = null;
      while (mount.firstChild) {
        mount.removeChild(mount.firstChild);
      }
    }
    try {
      window.WebChat.default(
        {
          socketUrl: config.rasaUrl,
          socketPath: config.socketPath,
          initPayload: config.initPayload,
          customData: { language: config.lang },
          title: config.title,
          subtitle: config.subtitle || undefined,
          inputTextFieldHint: config.placeholder,
          connectingText: strings.connecting,
          profileAvatar: config.logo || undefined,
          params: { storage: config.storage },
          hideWhenNotConnected: false, // the launcher is always there; offline, the chat shows the notice
          withRules: false, // otherwise the widget stays invisible until the server confirmed a session
          disableTooltips: true,
          displayUnreadCount: true,
          showMessageDate: false,
          customMessageDelay: function () {
            return REPLY_DELAY_MS;
          },
          onSocketEvent: socketEvents,
          onWidgetEvent: {
            onChatOpen: function () {},
            onChatClose: focusLauncherSoon,
            onChatVisible: function () {},
            onChatHidden: function () {},
          },
        },
        mount
      );
    } catch (error) {
      useFallback("the widget failed to start: " + error);
      return;
    }
    setStatus("connecting");
    state.offlineTimer = window.setTimeout(function () {
      if (state.status === "connecting") {
        goOffline();
      }
    }, OFFLINE_AFTER_MS);
  }

  function loadWidget() {
    if (window.WebChat && typeof window.WebChat.default === "function") {
      startWidget();
      return;
    }
    var bundle = element("script");
    bundle.src = kitBase + "webchat.js?v=" + VERSION;
    bundle.async = true;
    bundle.onload = startWidget;
    bundle.onerror = function () {
      useFallback("webchat.js could not be loaded from " + kitBase);
    };
    (document.head || document.documentElement).appendChild(bundle);
  }

  function attach() {
    root.addEventListener("submit", holdWhileOffline, true);
    root.addEventListener("click", holdWhileOffline, true);
    document.body.appendChild(root);
    if (typeof MutationObserver === "function") {
      new MutationObserver(enhance).observe(root, { childList: true, subtree: true });
    }
    loadWidget();
  }

  addStylesheet("webchat.css");
  addStylesheet("assistant.css");
  if (document.body) {
    attach();
  } else {
    document.addEventListener("DOMContentLoaded", attach);
  }
})();
