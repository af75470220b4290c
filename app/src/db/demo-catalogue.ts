import type { ProductInput } from "../products/product";
import type { Db } from "./db";

/**
 * The demo catalogue the embedded mode starts with, so a fresh clone has something to browse and
 * search. Deterministic (no randomness) so tests and docs can rely on its contents.
 */
const ITEMS: Array<[name: string, description: string, priceCents: number]> = [
  ["Espresso Cup", "Thick-walled porcelain cup for a double espresso", 1200],
  ["Pour-Over Kettle", "Gooseneck kettle for precise pour-over coffee", 5900],
  ["Burr Grinder", "Conical burr grinder with 40 grind settings", 14900],
  ["French Press", "Borosilicate glass press for full-bodied coffee", 3400],
  ["Coffee Beans Ethiopia", "Light roast single-origin beans with berry notes", 1650],
  ["Coffee Beans Colombia", "Medium roast beans with caramel and nut notes", 1450],
  ["Green Tea Sencha", "Japanese steamed green tea, loose leaf", 1100],
  ["Black Tea Assam", "Malty breakfast tea, loose leaf", 950],
  ["Tea Infuser", "Stainless steel mesh infuser for loose tea", 800],
  ["Ceramic Teapot", "Hand-glazed teapot holding four cups", 4200],
  ["Chef Knife", "20 cm forged steel chef knife", 8900],
  ["Cutting Board", "End-grain oak cutting board", 6400],
  ["Cast Iron Skillet", "Pre-seasoned 26 cm cast iron skillet", 4700],
  ["Dutch Oven", "Enamelled cast iron pot, 5 litres", 11900],
  ["Wooden Spoon Set", "Three olive wood spoons", 2100],
  ["Linen Apron", "Washed linen apron with two pockets", 3600],
  ["Kitchen Scale", "Digital scale with 0.1 g precision", 2900],
  ["Mixing Bowls", "Nested set of four stainless steel bowls", 3300],
  ["Baking Sheet", "Aluminium half-sheet pan", 1900],
  ["Rolling Pin", "French-style tapered beech rolling pin", 1500],
  ["Running Shoes", "Lightweight road running shoes", 12900],
  ["Trail Shoes", "Grippy trail running shoes with rock plate", 14500],
  ["Rain Jacket", "Packable waterproof jacket", 9900],
  ["Wool Socks", "Merino wool hiking socks, two pairs", 2400],
  ["Water Bottle", "Insulated steel bottle, 750 ml", 2700],
  ["Day Pack", "20 litre hiking backpack", 7900],
  ["Headlamp", "Rechargeable 400 lumen headlamp", 4500],
  ["Camping Mug", "Titanium mug, 450 ml", 2600],
  ["Notebook A5", "Dotted notebook with 192 pages", 1800],
  ["Fountain Pen", "Steel nib fountain pen, medium", 3900],
  ["Desk Lamp", "Dimmable LED desk lamp", 5400],
  ["Wireless Mouse", "Quiet ergonomic wireless mouse", 3200],
  ["Mechanical Keyboard", "Tenkeyless keyboard with tactile switches", 11900],
  ["Monitor Stand", "Bamboo monitor riser with drawer", 4100],
  ["Noise-Cancelling Headphones", "Over-ear headphones with 30 h battery", 24900],
  ["USB-C Charger", "65 W compact charger with two ports", 4900],
];

export const DEMO_PRODUCT_COUNT = ITEMS.length;

/**
 * The demo catalogue as a product feed. The build also writes it to dist/demo-feed.json, the
 * fetch-products job's source when no real feed URL is configured.
 */
export function demoCatalogue(): ProductInput[] {
  return ITEMS.map(([name, description, priceCents], index) => ({
    sku: `DEMO-${String(index + 1).padStart(3, "0")}`,
    name,
    description,
    priceCents,
    stock: 100,
  }));
}

export async function seedDemoCatalogue(db: Db): Promise<number> {
  const existing = await db.query<{ count: number }>("SELECT count(*)::int AS count FROM products");
  if ((existing.rows[0]?.count ?? 0) > 0) return 0;
  const products = demoCatalogue();
  await db.transaction(async (tx) => {
    for (const product of products) {
      await tx.query(
        "INSERT INTO products (sku, name, description, price_cents, stock) VALUES ($1, $2, $3, $4, $5)",
        [product.sku, product.name, product.description, product.priceCents, product.stock],
      );
    }
  });
  return products.length;
}
