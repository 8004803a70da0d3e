from lienrx import create_app

app = create_app()
