from django.core.management.base import BaseCommand

from acogida.core.serving import serve


class Command(BaseCommand):
    help = "Serve the web app and the API with waitress (default http://127.0.0.1:8000/)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1",
                            help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
        parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
        parser.add_argument("--threads", type=int, default=8,
                            help="worker threads (default 8)")

    def handle(self, *args, host, port, threads, **options):
        serve(host=host, port=port, threads=threads, out=self.stdout)
