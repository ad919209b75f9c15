export default function Home() {
  return <p>POST a customer to /api/customers.</p>
}
