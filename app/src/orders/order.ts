export interface OrderLine {
  productId: string;
  quantity: number;
}

export interface OrderItem extends OrderLine {
  sku: string;
  unitPriceCents: number;
}

export interface Order {
  id: string;
  status: "placed";
  totalCents: number;
  items: OrderItem[];
  createdAt: string;
}
