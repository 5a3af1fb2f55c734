"""The Java `ledger` service and its scenarios (compiled with the system's `javac`, run with `java`)."""

from sleuth.evals.scenarios.spec import Edit, spec_maker

PKG = "src/main/java/com/acme/ledger"

FEES = """package com.acme.ledger;

public final class Fees {
    private Fees() {}

    public static long basisPoints(String plan) {
        return Plans.rateFor(plan);
    }

    public static long feeFor(long amountCents, String plan) {
        long rate = basisPoints(plan);
        return amountCents * rate / 10_000;
    }

    public static long perInstalment(long amountCents, int instalments) {
        return amountCents / Math.max(1, instalments);
    }
}
"""

PLANS = """package com.acme.ledger;

import java.util.Map;

public final class Plans {
    private Plans() {}

    private static final Map<String, Long> RATES = Map.of(
        "basic", 150L,
        "pro", 90L
    );

    public static long rateFor(String plan) {
        return RATES.get(plan);
    }
}
"""

SETTINGS = """package com.acme.ledger;

public final class Settings {
    private Settings() {}

    public static String plan() {
        String plan = System.getenv().getOrDefault("LEDGER_PLAN", "basic");
        if (plan.isBlank()) {
            throw new IllegalStateException("invalid config: LEDGER_PLAN is blank");
        }
        return plan;
    }

    public static int instalments() {
        return Integer.parseInt(System.getenv().getOrDefault("LEDGER_INSTALMENTS", "3"));
    }
}
"""

FX = """package com.acme.ledger;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;

public final class FxClient {
    private FxClient() {}

    public static String rates(String url) throws IOException {
        try (InputStream in = new URL(url).openStream()) {
            return new String(in.readAllBytes());
        }
    }
}
"""

MAIN = """package com.acme.ledger;

public final class Main {
    public static void main(String[] args) throws Exception {
        String fx = System.getenv("RATES_URL");
        if (fx != null) {
            FxClient.rates(fx);
        }
        long amount = 12_000;
        long fee = Fees.feeFor(amount, Settings.plan());
        long each = Fees.perInstalment(amount + fee, Settings.instalments());
        System.out.println("fee=" + fee + " each=" + each);
    }
}
"""

BASE = {
    f"{PKG}/Fees.java": FEES,
    f"{PKG}/Plans.java": PLANS,
    f"{PKG}/Settings.java": SETTINGS,
    f"{PKG}/FxClient.java": FX,
    f"{PKG}/Main.java": MAIN,
    "README.md": "# ledger\n\nComputes fees.\n",
}
SOURCES = [f"{PKG}/{name}.java" for name in ("Fees", "Plans", "Settings", "FxClient", "Main")]
COMPILE = ["javac", "-d", "{build}", *SOURCES]
RUN = ["java", "-cp", "{build}", "com.acme.ledger.Main"]

DOCS = Edit("Document fee plans", write={"README.md": "# ledger\n\nComputes fees for basic and pro plans.\n"})
FEES_DOC = Edit(
    "Explain basis points",
    replace={
        f"{PKG}/Fees.java": (
            "    public static long basisPoints(",
            "    /** 1 basis point = 0.01%. */\n    public static long basisPoints(",
        )
    },
)
SETTINGS_DOC = Edit(
    "Document the ledger settings",
    replace={
        f"{PKG}/Settings.java": (
            "    public static String plan() {",
            "    /** The fee plan, from LEDGER_PLAN. */\n    public static String plan() {",
        )
    },
)


_spec = spec_maker("java", service="ledger", language="java", base=BASE, command=RUN, compile=COMPILE)

SPECS = [
    _spec(
        "plan_renamed",
        "Ledger crashes computing fees (NullPointerException)",
        "logic_bug",
        Edit("Rename the basic plan to starter", replace={f"{PKG}/Plans.java": ('"basic", 150L', '"starter", 150L')}),
        before=[FEES_DOC],
        after=[DOCS],
        fault_files=[f"{PKG}/Plans.java"],
        tags=["not_newest"],
    ),
    _spec(
        "instalments_zero",
        "Ledger fails: ArithmeticException / by zero",
        "logic_bug",
        Edit(
            "Allow paying in full (zero instalments)",
            replace={f"{PKG}/Fees.java": ("amountCents / Math.max(1, instalments)", "amountCents / instalments")},
        ),
        before=[SETTINGS_DOC],
        after=[FEES_DOC, DOCS],
        env={"LEDGER_INSTALMENTS": "0"},
        fault_files=[f"{PKG}/Fees.java"],
        tags=["frame_line", "not_newest", "same_file_distractor"],
    ),
    _spec(
        "blank_plan",
        "Ledger refuses to start: invalid config",
        "config_error",
        Edit(
            "Read the plan from LEDGER_PLAN without a default",
            replace={
                f"{PKG}/Settings.java": ('getOrDefault("LEDGER_PLAN", "basic")', 'getOrDefault("LEDGER_PLAN", "")')
            },
        ),
        before=[FEES_DOC],
        after=[DOCS],
        fault_files=[f"{PKG}/Settings.java"],
        tags=["config_key", "not_newest"],
    ),
    _spec(
        "fx_refused",
        "Ledger failing: FX rates service unreachable",
        "dependency_down",
        None,
        before=[FEES_DOC, SETTINGS_DOC, DOCS],
        dependency="refused",
        tags=["outage"],
    ),
]
