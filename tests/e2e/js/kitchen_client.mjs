// The product brief's "Kitchen display client" example (KITCHEN module, Usage Example),
// run against a real edge by tests/e2e/test_kitchen_js_client.py.
//
// Between the two marker lines below the example is the brief's, word for word, with two
// changes only: the server address ('http://localhost:3002' becomes the edge's URL) and
// the `auth` option carrying the access token the edge requires.
// Around it, the harness defines what the example leaves to the page (outlet_id,
// displayOrder, ...) and walks one order through preparing -> ready -> completed, printing
// one JSON line per step for pytest to read.
//
//   EDGE_URL=http://127.0.0.1:5000 TOKEN=<access token> OUTLET_ID=1 node kitchen_client.mjs

const EDGE_URL = process.env.EDGE_URL;
const TOKEN = process.env.TOKEN;
const outlet_id = Number(process.env.OUTLET_ID);
const TIMEOUT_MS = Number(process.env.TIMEOUT_MS || 20000);

function report(step, data) {
    console.log(JSON.stringify({ step, ...data }));
}

const watchdog = setTimeout(() => {
    report('timeout', {});
    process.exit(2);
}, TIMEOUT_MS);

// What the example calls but leaves to the page.
const shown = new Map();
function displayOrder(order) {
    shown.set(order.id, order);
    report('order_created', { id: order.id, order_number: order.order_number, seq: order.seq,
                              items: order.items.length });
    updateStatus(order.id, 'preparing');
}
function playNotificationSound() {
    report('chime', {});
}
function updateOrderStatus(update) {
    report('order_updated', { id: update.id, status: update.status, seq: update.seq });
    const order = shown.get(update.id);
    if (!order) return;
    if (update.status === 'preparing') updateStatus(update.id, 'ready');
    if (update.status === 'ready') completeOrder(update.id, order.order_number);
}
function removeOrderFromDisplay(id) {
    shown.delete(id);
    report('removed', { id });
    clearTimeout(watchdog);
    socket.close();
}

// ---- the brief's example begins ---------------------------------------------------------
// Kitchen display client
import io from 'socket.io-client';

const socket = io(EDGE_URL, {
    transports: ['websocket', 'polling'],
    auth: { token: TOKEN }
});

socket.on('connect', () => {
    // Subscribe to outlet
    socket.emit('subscribe_outlet', outlet_id);
    
    // Identify as kitchen
    socket.emit('identify', { 
        type: 'kitchen', 
        outletId: outlet_id 
    });
});

socket.on('subscribed', (data) => {
    console.log('Subscribed to outlet:', data.outletId);
});

socket.on('order_created', (order) => {
    displayOrder(order);
    playNotificationSound();
});

socket.on('order_updated', (update) => {
    updateOrderStatus(update);
});

socket.on('order_completed', (data) => {
    removeOrderFromDisplay(data.id);
});

// Update order status from kitchen
function updateStatus(orderId, status) {
    socket.emit('update_status', {
        id: orderId,
        order_number: 'ORD-001',
        outlet_id: outlet_id,
        status: status // 'preparing', 'ready', 'completed'
    });
}

// Complete order
function completeOrder(orderId, orderNumber) {
    socket.emit('complete_order', {
        id: orderId,
        order_number: orderNumber,
        outlet_id: outlet_id
    });
}
// ---- the brief's example ends -----------------------------------------------------------

// Harness: tell pytest when the screen is listening, and what the server acknowledged.
socket.on('subscribed', (data) => report('subscribed', { outletId: data.outletId }));
socket.on('status_updated', (ack) => report('status_updated', { orderId: ack.orderId, seq: ack.seq }));
socket.on('error', (error) => report('error', error));
socket.on('connect_error', (error) => {
    report('connect_error', { message: error.message, data: error.data || null });
    clearTimeout(watchdog);
    socket.close();
    process.exitCode = 3;
});
