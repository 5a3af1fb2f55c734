"""The Node.js `catalog` service and its scenarios (run with the system's `node`)."""

from sleuth.evals.scenarios.spec import Edit, spec_maker

CONFIG = """const fs = require('fs');
const path = require('path');

function loadConfig() {
  const raw = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'config', 'catalog.json'), 'utf8'));
  if (typeof raw.pageSize !== 'number') {
    throw new Error(`invalid config value for pageSize: ${JSON.stringify(raw.pageSize)}`);
  }
  return raw;
}

module.exports = { loadConfig };
"""

PRODUCTS = """const PRODUCTS = [
  { sku: 'A-1', name: 'Kettle', price: { amount: 30, currency: 'EUR' } },
  { sku: 'B-2', name: 'Teapot', price: { amount: 25, currency: 'EUR' } },
];

function findProducts() {
  return PRODUCTS;
}

module.exports = { findProducts };
"""

FORMAT = """function formatPrice(product) {
  const price = product.price;
  return `${price.amount.toFixed(2)} ${price.currency}`;
}

function formatName(product) {
  return product.name.trim();
}

module.exports = { formatPrice, formatName };
"""

INVENTORY = """const http = require('http');

function fetchStock(url) {
  return new Promise((resolve, reject) => {
    const request = http.get(url, (response) => {
      if (response.statusCode !== 200) {
        reject(new Error(`inventory service returned ${response.statusCode} ${response.statusMessage}`));
        return;
      }
      resolve({ ok: true });
    });
    request.on('error', reject);
  });
}

module.exports = { fetchStock };
"""

MAIN = """const { loadConfig } = require('./config');
const { findProducts } = require('./products');
const { formatPrice, formatName } = require('./format');
const { fetchStock } = require('./inventory');

async function listPage() {
  const config = loadConfig();
  if (process.env.RATES_URL) {
    await fetchStock(process.env.RATES_URL);
  }
  const products = findProducts().slice(0, config.pageSize);
  return products.map((p) => `${formatName(p)}: ${formatPrice(p)}`);
}

listPage().then((lines) => console.log(lines.join('\\n')));
"""

BASE = {
    "package.json": '{\n  "name": "catalog",\n  "version": "1.0.0",\n  "main": "src/main.js"\n}\n',
    "config/catalog.json": '{\n  "pageSize": 20,\n  "locale": "en"\n}\n',
    "src/config.js": CONFIG,
    "src/products.js": PRODUCTS,
    "src/format.js": FORMAT,
    "src/inventory.js": INVENTORY,
    "src/main.js": MAIN,
    "README.md": "# catalog\n\nLists products.\n",
}
RUN = ["node", "src/main.js"]

DOCS = Edit("Document the catalog API", write={"README.md": "# catalog\n\nLists products with prices.\n"})
FORMAT_HELPER = Edit(
    "Add a short-name formatter",
    replace={
        "src/format.js": (
            "module.exports = { formatPrice, formatName };",
            "function shortName(product) {\n  return formatName(product).slice(0, 12);\n}\n\nmodule.exports = { formatPrice, formatName, shortName };",
        )
    },
)
PRODUCT_ADDED = Edit(
    "Add the mug to the catalogue",
    replace={
        "src/products.js": ("];\n", "  { sku: 'C-3', name: 'Mug', price: { amount: 8, currency: 'EUR' } },\n];\n")
    },
)
LOCALE = Edit("Default the locale to en-GB", replace={"config/catalog.json": ('"locale": "en"', '"locale": "en-GB"')})
INVENTORY_TIMEOUT = Edit(
    "Time out inventory calls after 2 s",
    replace={
        "src/inventory.js": (
            "    request.on('error', reject);",
            "    request.setTimeout(2000);\n    request.on('error', reject);",
        )
    },
)


_spec = spec_maker("js", service="catalog", language="javascript", base=BASE, command=RUN)

SPECS = [
    _spec(
        "price_shape",
        "Catalog page fails: TypeError reading amount",
        "logic_bug",
        Edit(
            "Store prices in cents",
            replace={
                "src/products.js": ("price: { amount: 25, currency: 'EUR' }", "priceCents: 2500, currency: 'EUR'")
            },
        ),
        before=[FORMAT_HELPER],
        after=[DOCS, LOCALE],
        fault_files=["src/products.js"],
        tags=["outside_frames", "not_newest"],
    ),
    _spec(
        "name_trim",
        "Catalog page fails: TypeError in formatName",
        "logic_bug",
        Edit(
            "Load product titles from the title field",
            replace={"src/products.js": ("name: 'Kettle'", "title: 'Kettle'")},
        ),
        before=[PRODUCT_ADDED, DOCS],
        after=[FORMAT_HELPER],
        fault_files=["src/products.js"],
        tags=["outside_frames", "not_newest", "same_file_distractor"],
    ),
    _spec(
        "page_size_string",
        "Catalog refuses to start: invalid config",
        "config_error",
        Edit(
            "Make the page size configurable per locale",
            replace={"config/catalog.json": ('"pageSize": 20', '"pageSize": "20"')},
        ),
        before=[DOCS],
        after=[LOCALE, FORMAT_HELPER],
        fault_files=["config/catalog.json"],
        tags=["outside_frames", "config_key", "not_newest", "same_file_distractor"],
    ),
    _spec(
        "inventory_refused",
        "Catalog failing: inventory service unreachable",
        "dependency_down",
        None,
        before=[INVENTORY_TIMEOUT, PRODUCT_ADDED],
        dependency="refused",
        tags=["outage"],
    ),
    _spec(
        "inventory_429",
        "Catalog errors: inventory is rate limiting us",
        "transient",
        None,
        before=[FORMAT_HELPER, INVENTORY_TIMEOUT],
        dependency="429",
        tags=["throttled"],
    ),
]
